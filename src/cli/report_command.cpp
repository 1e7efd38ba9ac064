// `amem report RUN_DIR... --out DIR`: tables and plots of finished runs (report/report.h).
#include <iostream>

#include "amem/core/error.h"
#include "amem/report/report.h"
#include "cli/command_line.h"
#include "cli/commands.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout
      << "usage: amem report RUN_DIR... --out DIR [--label KEY] [--metrics KEY,...] [--format svg|png] [--no-plots]\n\n"
         "Summarises finished runs for publication. Each RUN_DIR is a run folder (config.yaml with\n"
         "results.json from amem eval, or metrics.jsonl from a training command) or a folder searched\n"
         "at any depth for them (failed, killed runs and memory bank builds found so are skipped and listed).\n"
         "Evaluation runs whose config.yaml differ only in seeds (keys named seed or *_seed) and in\n"
         "run.name, run.output_dir, run.log_level form one row: each metric is mean ± sample std\n"
         "over them, with n. Writes into DIR (replaced whole; only an empty folder or an earlier\n"
         "report may be there):\n"
         "  table.md, table.tex   methods x metrics (EM, F1, other scores, seconds, memory in MiB)\n"
         "  table.csv             the same, unrounded: <metric>.mean and <metric>.std columns\n"
         "  summary.json          every number, per row and per run\n"
         "  bars.svg              EM/F1 per row with error bars\n"
         "  training-RUN.svg      loss, QA gain and validation F1 over steps, per training run\n"
         "  retention.svg         EM/F1 on the first documents' questions over documents seen, per row\n"
         "                        (when runs have eval.retention.*)\n"
         "  distractors.svg       EM/F1 over the distractor fraction, per row (eval.distractors.*)\n\n"
         "options:\n"
         "  --out DIR          the report folder (required)\n"
         "  --label KEY        the config key that names a row (default run.name), e.g. eval.adapter\n"
         "  --metrics K,...    the results.json keys to show as columns, in order (default: quality,\n"
         "                     then seconds, then bytes); nested keys dotted: adapt_seconds_per_document.median\n"
         "  --format svg|png   the plots' format (default svg)\n"
         "  --no-plots         tables and summary.json only\n";
}

}  // namespace

int run_report(const Args& args) {
  if (args.empty()) {
    print_help();
    return 2;
  }
  report::ReportOptions options;
  std::string format = "svg";
  bool no_plots = false;
  CLI::App app("", "report");
  app.add_option("runs", options.runs, "run folders or folders of them")->required();
  app.add_option("--out", options.out, "report folder")->required();
  app.add_option("--label", options.table.label_key, "config key naming a row");
  app.add_option("--metrics", options.table.metrics, "columns")->delimiter(',');
  app.add_option("--format", format, "svg or png")->check(CLI::IsMember({"svg", "png"}));
  app.add_flag("--no-plots", no_plots, "tables only");
  if (!parse_command_line(app, args, "report", print_help)) return 0;
  if (options.out.empty()) throw ConfigError("report: --out: an empty path (give the report folder)");
  options.format = format == "png" ? report::ImageFormat::png : report::ImageFormat::svg;
  options.plots = !no_plots;
  const auto summary = report::write_report(options);
  for (const auto& note : summary.notes) std::cerr << "amem report: " << note << "\n";
  std::cout << "report: " << summary.eval_runs << " evaluation run(s) in " << summary.rows << " row(s), "
            << summary.training_runs << " training run(s) -> " << options.out << " (";
  for (size_t i = 0; i < summary.files.size(); ++i) std::cout << (i ? ", " : "") << summary.files[i];
  std::cout << ")\n";
  return 0;
}

}  // namespace amem::cli
