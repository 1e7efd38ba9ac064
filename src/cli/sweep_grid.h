// The cells of `amem sweep`: a grid of config overrides over one config. A grid is
//   named cells   (a grid file's `cells:`, a mapping of cell name -> {key: value, ...}),
//   times axes    (the file's `grid:`, a mapping of key -> [values], and each --grid KEY=V1,V2),
//   times seeds   (--seeds 0,1,2: the axis run.seed),
// the cartesian product in that order (the first axis varies slowest). A cell's overrides are
// the config's own overrides, then its named cell's, then one per axis: "key=value" text that
// config/overrides.h parses as YAML, so a value has the type it would have in a file.
//
// A grid file may also name a training config (`train:`): each cell then first trains with its
// overrides and evaluates what it trained (sweep_training.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace amem::cli {

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  // override value texts, in order
  std::string source;               // "--grid 'KEY=...'" or "FILE: grid.KEY", for errors
};

struct SweepCell {
  std::string label;   // run.name, what the table calls the cell: its name and non-seed axis values, file-name safe
  std::string id;      // its folder under the sweep's runs/: the label with the seeds, file-name safe
  std::vector<std::string> overrides;  // "key=value", the grid's part only
};

// A grid file's `train:` section.
struct SweepTraining {
  std::string config;                         // the training config (`amem train CONFIG`)
  std::vector<std::string> overrides;         // "key=value" after the config's, before each cell's
  std::string networks = "best";              // the trained run's folder the cell evaluates: best | last
  std::string model_key = "mac.networks";     // the eval config key that is set to that folder
  // Sections (or single keys) a cell sets for its eval only (answer-time settings); every other
  // key of a cell goes to its training too. The training keeps its own eval.* for its validation.
  std::vector<std::string> eval_only = {"eval", "memory"};
  std::string source;                         // "FILE: train", for errors
};

struct SweepGrid {
  std::vector<std::pair<std::string, std::vector<std::string>>> named;  // cell name -> overrides
  std::vector<SweepAxis> axes;
  std::optional<SweepTraining> training;
};

// "KEY=V1,V2,...": values split at commas outside brackets, braces and quotes, so that a list
// value ([1,2]) stays whole. ConfigError (one line, naming the flag) without '=', a key, or a
// value, or with a value twice.
SweepAxis parse_grid_flag(const std::string& text);

// A grid file's `cells:` and `grid:` (at least one) and optionally `train:` ({config, overrides,
// networks, model_key, eval_only}), nothing else. A cell is a mapping of keys to values; `{}` is the config
// as it is. ConfigError (one line, naming the file and the entry) for a file that is missing or
// not YAML, an unknown top-level or train key, a cell that is not a mapping, an axis that is not
// a non-empty list of distinct values, a train section without config or with networks not
// best or last.
SweepGrid read_grid_file(const std::string& path);

// The cells in order. ConfigError when no axis or cell is given, a key is on two axes or on an
// axis and in a named cell, or two cells get the same folder id.
std::vector<SweepCell> expand_grid(const SweepGrid& grid);

}  // namespace amem::cli
