// The training side of `amem sweep` with a grid file's `train:` section (sweep_grid.h): each cell
// first trains with the training config and its overrides (the section's, then the cell's but
// those of train.eval_only's sections, by default eval.* and memory.*), then evaluates what it
// trained. Cells whose training configs resolve to the same text share one training run (cells
// that differ only in answer-time keys), which is trained once.
//
// DIR/train/<training id>/<run folder>: each training's normal `amem train` run folder; the id is
// the first cell's that uses it, less its eval-only parts. A training is finished (and not redone when the sweep is run
// again) when a run folder there has last/, no FAILED, and this command's resolved config.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/sweep_grid.h"

namespace amem::cli {

struct SweepTrainingRun {
  std::string id;                                   // folder under DIR/train/
  std::vector<std::string> overrides;               // the section's and the cell's training ones
  std::vector<std::string> args;                    // CONFIG OVERRIDE... with run.output_dir and run.name
  std::string resolved;                             // the resolved config (Config::to_yaml)
  std::optional<std::filesystem::path> done_before; // its finished run, if an earlier sweep made it
};

struct SweepTrainingPlan {
  std::vector<SweepTrainingRun> runs;  // in order of first use
  std::vector<size_t> run_of_cell;     // per cell: its index in runs
};

// Resolves and checks (schema, train.* settings) every cell's training config before anything
// runs; amem::ConfigError naming the cell for a mistake. `dir`: the sweep folder.
SweepTrainingPlan plan_training(const SweepTraining& training, const std::vector<SweepCell>& cells,
                                const std::filesystem::path& dir);

// The folder a cell's eval reads from a finished training run: <run>/best or <run>/last.
std::filesystem::path trained_networks(const SweepTraining& training, const std::filesystem::path& run);

// The finished run in `folder` (last/ written, no FAILED) whose config.yaml is `resolved`.
std::optional<std::filesystem::path> finished_training(const std::filesystem::path& folder, const std::string& resolved);

}  // namespace amem::cli
