// `amem sweep CONFIG [OVERRIDE...] --grid KEY=V1,V2 ... --out DIR`: one `amem eval` run per cell
// of a grid of overrides (sweep_grid.h), then one table of EM/F1 per cell (amem report's).
//
// With a grid file's `train:` section each cell first trains (sweep_training.h: cells with the
// same training config share one run) and evaluates the trained networks (train.model_key, by
// default mac.networks, set to the run's best/ or last/).
//
// DIR holds
//   train/<training id>/<run folder>   each training's run folder (with `train:` only)
//   runs/<cell id>/<run folder>   each cell's normal run folder (config.yaml resolved, results.json, ...)
//   sweep.json                    the grid: per cell its label, folder, overrides, and status
//                                 (pending, finished, done before: skipped, or failed with its error
//                                 line); per training the same. Written before the first run.
//   report/                       `amem report` of the finished cells' runs, in cell order: table.md,
//                                 table.csv, table.tex, summary.json and plots (report/report.h)
// Re-running the same command resumes: a cell whose folder already holds a finished run
// (results.json, no FAILED) is skipped, and so is a finished training; failed ones run again. A failed cell is recorded and
// the sweep goes on with the others (--fail-fast stops at the first); the exit code is then 1.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "amem/core/error_line.h"
#include "amem/io/atomic_file.h"
#include "amem/io/utf8_file.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/report/report.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/eval_inputs.h"
#include "cli/sweep_grid.h"
#include "cli/sweep_training.h"

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
         "A grid file's train: section (config: FILE, overrides: {key: value}, networks: best|last,\n"
         "model_key: mac.networks, eval_only: [sections the training does not get, e.g. eval]) makes\n"
         "each cell first `amem train` FILE with the section's and the cell's overrides, then\n"
         "evaluate the trained networks (model_key=RUN/networks); cells with the same training config\n"
         "share one training. A cell's train.* keys go to its training only; the OVERRIDEs after\n"
         "CONFIG go to the evals only (an eval reads no train.* key and refuses one as an override).\n"
         "Every config (and its data) is checked before any cell runs. Writes into DIR:\n"
         "  train/ID/RUN/    each training's run folder (with train: only)\n"
         "  runs/CELL/RUN/   each cell's run folder\n"
         "  sweep.json       the cells (and trainings), their overrides and status\n"
         "  report/          table.md, table.csv, table.tex, summary.json, plots (amem report)\n"
         "Run it again to resume: finished cells and trainings are skipped, failed ones retried.\n\n"
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

// spdlog at warning level while it lives (the level before restored).
class QuietInfo {
 public:
  QuietInfo() : level_(spdlog::get_level()) { spdlog::set_level(std::max(level_, spdlog::level::warn)); }
  ~QuietInfo() { spdlog::set_level(level_); }
  QuietInfo(const QuietInfo&) = delete;
  QuietInfo& operator=(const QuietInfo&) = delete;

 private:
  spdlog::level::level_enum level_;
};

// What the sweep knows of a cell before running it.
struct CellPlan {
  std::vector<std::string> overrides;     // the command's, the cell's, run.output_dir and run.name
  std::optional<fs::path> done_before;    // its run a previous sweep finished
};

// "KEY=FOLDER": the eval config key that reads the cell's trained networks.
std::string networks_override(const SweepTraining& training, const fs::path& run) {
  return training.model_key + "=" + nlohmann::json(trained_networks(training, run).string()).dump();
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

  // Every cell's config is composed and checked first (its data too: the stream, the retention
  // range, the distractor file and fractions), so that a typo in the grid stops the sweep
  // before hours of its other cells, with the override named.
  const fs::path runs = fs::path(out) / "runs";
  std::optional<SweepTrainingPlan> training;
  if (grid.training) training = plan_training(*grid.training, cells, out);
  std::vector<CellPlan> plans;
  {
    // Each cell reads its data to check it; what the readers report (documents read) comes again
    // when the cell runs, so only warnings are shown here.
    const QuietInfo quiet;
    for (size_t i = 0; i < cells.size(); ++i) {
      const auto& cell = cells[i];
      CellPlan plan;
      plan.overrides = base.overrides;
      // A cell's train.* keys are its training's (plan_training); its eval reads none of them.
      for (const auto& o : cell.overrides)
        if (!grid.training || o.rfind("train.", 0) != 0) plan.overrides.push_back(o);
      plan.overrides.push_back("run.output_dir=" + (runs / cell.id).string());
      plan.overrides.push_back("run.name=" + nlohmann::json(cell.label).dump());
      const auto cell_config = config::load_config(config::amem_schema(), base.config, plan.overrides);
      EvalInputs{cell_config};
      methods::refuse_mac_keys_this_build_lacks(cell_config);
      // The trained networks reach the eval through model_key; MAC's keys reach only its adapter.
      if (grid.training && grid.training->model_key.rfind("mac.", 0) == 0 &&
          cell_config.get<std::string>("eval.adapter") != "mac")
        throw ConfigError("sweep: " + grid.training->source + ".model_key: " + grid.training->model_key +
                          " is read by eval.adapter: mac only, but cell " + cell.id + " evaluates with eval.adapter '" +
                          cell_config.get<std::string>("eval.adapter") + "' (" + cell_config.source_of("eval.adapter") +
                          ")");
      // Resuming skips a cell's finished run, so it must be this command's cell, not one an
      // earlier command with another config or overrides left in the same folder. A trained
      // cell's config names its training's networks, known once that training is finished.
      const SweepTrainingRun* trained = training ? &training->runs[training->run_of_cell[i]] : nullptr;
      const auto done = finished_run(runs / cell.id);
      if (done && trained && !trained->done_before)
        throw ConfigError("sweep: --out " + out + ": cell " + cell.id + " has a finished run but its training " +
                          trained->id + " has none (" + (fs::path(out) / "train" / trained->id).string() +
                          "); choose a new --out");
      if (done) {
        auto overrides = plan.overrides;
        if (trained) overrides.push_back(networks_override(*grid.training, *trained->done_before));
        if (io::read_utf8_file((*done / "config.yaml").string()) !=
            config::load_config(config::amem_schema(), base.config, overrides).to_yaml())
          throw ConfigError("sweep: --out " + out + ": cell " + cell.id + " has a finished run with another config (" +
                            (*done / "config.yaml").string() + " differs from this command's); choose a new --out");
      }
      plan.done_before = done;
      plans.push_back(std::move(plan));
    }
  }
  if (dry_run) {
    for (size_t i = 0; i < cells.size(); ++i) {
      const auto& cell = cells[i];
      std::cout << cell.id << "\t" << cell.label << "\t";
      for (const auto& o : cell.overrides) std::cout << " " << o;
      if (training) std::cout << "\ttrain " << training->runs[training->run_of_cell[i]].id;
      std::cout << "\n";
    }
    return 0;
  }

  fs::create_directories(runs);
  // sweep.json is written before the first run and after each, so that a killed sweep still
  // says what it was and how far it got (cells not reached stay "pending").
  nlohmann::ordered_json status = nlohmann::ordered_json::array();
  for (size_t i = 0; i < cells.size(); ++i) {
    nlohmann::ordered_json entry = {{"label", cells[i].label}, {"folder", (runs / cells[i].id).string()},
                                    {"overrides", cells[i].overrides}};
    if (training) entry["training"] = training->runs[training->run_of_cell[i]].id;
    if (plans[i].done_before) {
      entry["status"] = "skipped";
      entry["run"] = plans[i].done_before->string();
    } else {
      entry["status"] = "pending";
    }
    status.push_back(entry);
  }
  nlohmann::ordered_json training_status = nlohmann::ordered_json::array();
  if (training)
    for (const auto& run : training->runs) {
      nlohmann::ordered_json entry = {{"id", run.id}, {"folder", (fs::path(out) / "train" / run.id).string()},
                                      {"config", grid.training->config}, {"overrides", run.overrides}};
      entry["status"] = run.done_before ? "skipped" : "pending";
      if (run.done_before) entry["run"] = run.done_before->string();
      training_status.push_back(entry);
    }
  const auto record = [&] {
    nlohmann::ordered_json sweep = {{"config", base.config}, {"overrides", base.overrides}};
    if (training) sweep["trainings"] = training_status;
    sweep["cells"] = status;
    io::write_file_atomic((fs::path(out) / "sweep.json").string(),
                          sweep.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  };
  record();

  size_t failed = 0;
  std::vector<std::string> finished;  // run folders, in cell order: the table's row order
  std::vector<std::optional<fs::path>> trained_run;  // per training: its finished run
  std::vector<std::string> training_error;           // per training: why it failed ("" if it did not)
  if (training)
    for (const auto& run : training->runs) {
      trained_run.push_back(run.done_before);
      training_error.emplace_back();
    }
  // Runs training t unless it is finished or failed already; its finished run, or none.
  const auto train = [&](size_t t) -> std::optional<fs::path> {
    if (trained_run[t] || !training_error[t].empty()) return trained_run[t];
    const auto& run = training->runs[t];
    std::cout << "training " << run.id << ": running" << std::endl;
    try {
      run_train(run.args);
      trained_run[t] = finished_training(fs::path(out) / "train" / run.id, run.resolved);
      if (!trained_run[t]) throw Error("sweep: training " + run.id + " finished but left no run folder with last/");
      training_status[t]["status"] = "finished";
      training_status[t]["run"] = trained_run[t]->string();
    } catch (const std::exception& e) {
      training_error[t] = error_line(e);
      training_status[t]["status"] = "failed";
      training_status[t]["error"] = training_error[t];
      std::cerr << "amem sweep: training " << run.id << " failed: " << training_error[t] << std::endl;
    }
    record();
    return trained_run[t];
  };
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& cell = cells[i];
    auto& entry = status[i];
    const std::string counter = "[" + std::to_string(i + 1) + "/" + std::to_string(cells.size()) + "] ";
    if (const auto& done = plans[i].done_before) {
      std::cout << counter << cell.id << ": finished before (" << done->string() << "), skipped" << std::endl;
      finished.push_back(done->string());
      continue;
    }
    std::vector<std::string> args{base.config};
    args.insert(args.end(), plans[i].overrides.begin(), plans[i].overrides.end());
    try {
      if (training) {
        const size_t t = training->run_of_cell[i];
        const auto trained = train(t);
        if (!trained) throw Error("its training " + training->runs[t].id + " failed: " + training_error[t]);
        args.push_back(networks_override(*grid.training, *trained));
      }
      std::cout << counter << cell.id << ": running" << std::endl;
      run_eval(args);
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
