// `amem sweep CONFIG [OVERRIDE...] --grid KEY=V1,V2 ... --out DIR`: one `amem eval` run per cell
// of a grid of overrides (sweep_grid.h), then one table of EM/F1 per cell (amem report's).
//
// DIR holds
//   runs/<cell id>/<run folder>   each cell's normal run folder (config.yaml resolved, results.json, ...)
//   sweep.json                    the grid: per cell its label, folder, overrides, and status
//                                 (finished, done before: skipped, or failed with its error line)
//   report/                       `amem report` of the finished cells' runs, in cell order: table.md,
//                                 table.csv, table.tex, summary.json and plots (report/report.h)
// Re-running the same command resumes: a cell whose folder already holds a finished run
// (results.json, no FAILED) is skipped; a failed one is run again. A failed cell is recorded and
// the sweep goes on with the others (--fail-fast stops at the first); the exit code is then 1.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "amem/core/error_line.h"
#include "amem/io/atomic_file.h"
#include "amem/io/utf8_file.h"
#include "amem/report/report.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/sweep_grid.h"

namespace amem::cli {

namespace fs = std::filesystem;

namespace {

void print_help() {
  std::cout
      << "usage: amem sweep CONFIG [OVERRIDE...] --out DIR [--grid KEY=V1,V2,...]... [--grid-file FILE]\n"
         "                  [--seeds S1,S2,...] [--fail-fast] [--dry-run]\n\n"
         "Runs `amem eval CONFIG OVERRIDE...` once per cell of a grid of overrides and tabulates EM/F1\n"
         "per cell. The cells are the grid file's named cells (cells: name -> {key: value}), times\n"
         "the cartesian product of its axes (grid: key -> [values]) and of each --grid, times\n"
         "--seeds (the axis run.seed; seeds of a cell are one row of the table, mean ± std).\n"
         "Every config is checked before any cell runs. Writes into DIR:\n"
         "  runs/CELL/RUN/   each cell's run folder\n"
         "  sweep.json       the cells, their overrides and status\n"
         "  report/          table.md, table.csv, table.tex, summary.json, plots (amem report)\n"
         "Run it again to resume: finished cells are skipped, failed ones retried.\n\n"
         "options:\n"
         "  --out DIR          the sweep folder (required)\n"
         "  --grid KEY=V,...   an axis; values are YAML as in overrides, commas inside [] kept\n"
         "  --grid-file FILE   named cells and/or axes (YAML)\n"
         "  --seeds S,...      run.seed values\n"
         "  --fail-fast        stop at the first failed cell (default: record it and go on)\n"
         "  --dry-run          list the cells and exit\n";
}

// The finished run folder in a cell's folder, if any: results.json written, no FAILED.
std::optional<fs::path> finished_run(const fs::path& cell_dir) {
  if (!fs::is_directory(cell_dir)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(cell_dir))
    if (entry.is_directory() && fs::exists(entry.path() / "results.json") && !fs::exists(entry.path() / "FAILED"))
      return entry.path();
  return std::nullopt;
}

}  // namespace

int run_sweep(const Args& args) {
  if (args.empty()) {
    print_help();
    return 2;
  }
  ConfigArguments base;
  std::string out, grid_file;
  std::vector<std::string> grid_flags, seeds;
  bool fail_fast = false, dry_run = false;
  CLI::App app("", "sweep");
  app.add_option("config", base.config, "config file")->required();
  app.add_option("overrides", base.overrides, "overrides of every cell");
  app.add_option("--out", out, "sweep folder")->required();
  app.add_option("--grid", grid_flags, "KEY=V1,V2");
  app.add_option("--grid-file", grid_file, "grid file");
  app.add_option("--seeds", seeds, "run.seed values")->delimiter(',');
  app.add_flag("--fail-fast", fail_fast, "stop at the first failure");
  app.add_flag("--dry-run", dry_run, "list the cells");
  if (!parse_command_line(app, args, "sweep", print_help)) return 0;
  if (out.empty()) throw ConfigError("sweep: --out: an empty path (give the sweep folder)");
  if (fs::exists(out) && !fs::is_directory(out))
    throw ConfigError("sweep: --out " + out + ": exists and is not a folder (give the sweep folder)");

  SweepGrid grid;
  if (!grid_file.empty()) grid = read_grid_file(grid_file);
  for (const auto& flag : grid_flags) grid.axes.push_back(parse_grid_flag(flag));
  if (!seeds.empty()) {
    SweepAxis axis{"run.seed", {}, "--seeds"};
    for (const auto& s : seeds) axis.values.push_back(parse_grid_flag("run.seed=" + s).values.front());
    grid.axes.push_back(std::move(axis));
  }
  const auto cells = expand_grid(grid);

  // Every cell's config is composed and checked first, so that a typo in the grid stops the
  // sweep before hours of its other cells, with the override named.
  const fs::path runs = fs::path(out) / "runs";
  std::vector<std::vector<std::string>> cell_args;
  std::vector<std::optional<fs::path>> done_before;  // per cell: its run a previous sweep finished
  for (const auto& cell : cells) {
    auto overrides = base.overrides;
    overrides.insert(overrides.end(), cell.overrides.begin(), cell.overrides.end());
    overrides.push_back("run.output_dir=" + (runs / cell.id).string());
    overrides.push_back("run.name=" + nlohmann::json(cell.label).dump());
    const auto resolved = config::load_config(config::amem_schema(), base.config, overrides);
    // Resuming skips a cell's finished run, so it must be this command's cell, not one an
    // earlier command with another config or overrides left in the same folder.
    const auto done = finished_run(runs / cell.id);
    if (done && io::read_utf8_file((*done / "config.yaml").string()) != resolved.to_yaml())
      throw ConfigError("sweep: --out " + out + ": cell " + cell.id + " has a finished run with another config (" +
                        (*done / "config.yaml").string() + " differs from this command's); choose a new --out");
    done_before.push_back(done);
    std::vector<std::string> a{base.config};
    a.insert(a.end(), overrides.begin(), overrides.end());
    cell_args.push_back(std::move(a));
  }
  if (dry_run) {
    for (const auto& cell : cells) {
      std::cout << cell.id << "\t" << cell.label << "\t";
      for (const auto& o : cell.overrides) std::cout << " " << o;
      std::cout << "\n";
    }
    return 0;
  }

  fs::create_directories(runs);
  nlohmann::ordered_json status = nlohmann::ordered_json::array();
  size_t failed = 0;
  std::vector<std::string> finished;  // run folders, in cell order: the table's row order
  const auto record = [&] {
    io::write_file_atomic((fs::path(out) / "sweep.json").string(),
                          nlohmann::ordered_json({{"config", base.config}, {"overrides", base.overrides}, {"cells", status}})
                                  .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                              "\n");
  };
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& cell = cells[i];
    nlohmann::ordered_json entry = {{"label", cell.label}, {"folder", (runs / cell.id).string()},
                                    {"overrides", cell.overrides}};
    const std::string counter = "[" + std::to_string(i + 1) + "/" + std::to_string(cells.size()) + "] ";
    if (const auto& done = done_before[i]) {
      std::cout << counter << cell.id << ": finished before (" << done->string() << "), skipped" << std::endl;
      entry["status"] = "skipped";
      entry["run"] = done->string();
      finished.push_back(done->string());
    } else {
      std::cout << counter << cell.id << ": running" << std::endl;
      try {
        run_eval(cell_args[i]);
        entry["status"] = "finished";
        if (const auto run = finished_run(runs / cell.id)) {
          entry["run"] = run->string();
          finished.push_back(run->string());
        }
      } catch (const std::exception& e) {
        ++failed;
        entry["status"] = "failed";
        entry["error"] = error_line(e);
        std::cerr << "amem sweep: cell " << cell.id << " failed: " << error_line(e) << std::endl;
      }
    }
    status.push_back(entry);
    record();
    if (failed > 0 && fail_fast) break;
  }

  if (finished.empty()) throw Error("sweep: no cell finished (" + std::to_string(failed) + " failed; see " +
                                    (fs::path(out) / "sweep.json").string() + ")");
  report::ReportOptions options;
  options.runs = finished;
  options.out = (fs::path(out) / "report").string();
  const auto summary = report::write_report(options);
  for (const auto& note : summary.notes) std::cerr << "amem sweep: " << note << "\n";
  std::cout << "sweep: " << cells.size() << " cell(s), " << failed << " failed; table in "
            << (fs::path(options.out) / "table.md").string() << " and table.csv\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace amem::cli
