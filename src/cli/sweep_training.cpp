#include "cli/sweep_training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "amem/io/utf8_file.h"
#include "amem/train/train_settings.h"

namespace amem::cli {

namespace fs = std::filesystem;

namespace {

config::Config training_config(const SweepTraining& training, const std::vector<std::string>& overrides,
                               const SweepCell& cell) {
  try {
    return config::load_config(config::amem_schema(), training.config, overrides);
  } catch (const ConfigError& e) {
    throw ConfigError("sweep: cell " + cell.id + ": training config " + training.config + ": " + e.what());
  }
}

// Whether a cell's "key=value" override is for its eval alone.
bool eval_only(const SweepTraining& training, const std::string& override_text) {
  const auto key = override_text.substr(0, override_text.find('='));
  for (const auto& entry : training.eval_only)
    if (key == entry || key.rfind(entry + ".", 0) == 0) return true;
  return false;
}

// The folder name of the training a cell starts: its id without the parts the training does not
// see (",eval.max_new_tokens=8"), "base" if nothing is left, made distinct from `taken`.
std::string training_id(const SweepTraining& training, const SweepCell& cell, const std::set<std::string>& taken) {
  std::string id;
  for (size_t begin = 0; begin <= cell.id.size();) {
    const size_t end = std::min(cell.id.find(',', begin), cell.id.size());
    const auto part = cell.id.substr(begin, end - begin);
    if (part.find('=') == std::string::npos || !eval_only(training, part)) id += (id.empty() ? "" : ",") + part;
    begin = end + 1;
  }
  if (id.empty()) id = "base";
  const auto unique = id;
  for (int n = 2; taken.count(id); ++n) id = unique + "-" + std::to_string(n);
  return id;
}

}  // namespace

SweepTrainingPlan plan_training(const SweepTraining& training, const std::vector<SweepCell>& cells, const fs::path& dir) {
  SweepTrainingPlan plan;
  std::map<std::string, size_t> by_config;  // resolved config without run folder and name -> run
  std::set<std::string> ids;
  for (const auto& cell : cells) {
    auto overrides = training.overrides;
    for (const auto& o : cell.overrides)
      if (!eval_only(training, o)) overrides.push_back(o);
    const auto key = training_config(training, overrides, cell).to_yaml();
    const auto [at, added] = by_config.emplace(key, plan.runs.size());
    plan.run_of_cell.push_back(at->second);
    if (!added) continue;
    SweepTrainingRun run;
    run.id = training_id(training, cell, ids);
    ids.insert(run.id);
    run.overrides = overrides;
    const auto folder = dir / "train" / run.id;
    overrides.push_back("run.output_dir=" + folder.string());
    overrides.push_back("run.name=" + nlohmann::json(run.id).dump());
    const auto config = training_config(training, overrides, cell);
    try {
      train::TrainSettings::from(config);
    } catch (const ConfigError& e) {
      throw ConfigError("sweep: cell " + cell.id + ": training config " + training.config + ": " + e.what());
    }
    run.resolved = config.to_yaml();
    run.done_before = finished_training(folder, run.resolved);
    run.args = {training.config};
    run.args.insert(run.args.end(), overrides.begin(), overrides.end());
    plan.runs.push_back(std::move(run));
  }
  return plan;
}

fs::path trained_networks(const SweepTraining& training, const fs::path& run) { return run / training.networks; }

std::optional<fs::path> finished_training(const fs::path& folder, const std::string& resolved) {
  if (!fs::is_directory(folder)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto& run = entry.path();
    if (entry.is_directory() && fs::is_directory(run / "last") && !fs::exists(run / "FAILED") &&
        fs::is_regular_file(run / "config.yaml") && io::read_utf8_file((run / "config.yaml").string()) == resolved)
      return run;
  }
  return std::nullopt;
}

}  // namespace amem::cli
