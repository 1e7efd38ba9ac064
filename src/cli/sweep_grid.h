// The cells of `amem sweep`: a grid of config overrides over one config. A grid is
//   named cells   (a grid file's `cells:`, a mapping of cell name -> {key: value, ...}),
//   times axes    (the file's `grid:`, a mapping of key -> [values], and each --grid KEY=V1,V2),
//   times seeds   (--seeds 0,1,2: the axis run.seed),
// the cartesian product in that order (the first axis varies slowest). A cell's overrides are
// the config's own overrides, then its named cell's, then one per axis: "key=value" text that
// config/overrides.h parses as YAML, so a value has the type it would have in a file.
#pragma once

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

struct SweepGrid {
  std::vector<std::pair<std::string, std::vector<std::string>>> named;  // cell name -> overrides
  std::vector<SweepAxis> axes;
};

// "KEY=V1,V2,...": values split at commas outside brackets, braces and quotes, so that a list
// value ([1,2]) stays whole. ConfigError (one line, naming the flag) without '=', a key, or a
// value, or with a value twice.
SweepAxis parse_grid_flag(const std::string& text);

// A grid file's `cells:` and `grid:` (at least one, nothing else). ConfigError (one line,
// naming the file and the entry) for a file that is missing or not YAML, an unknown top-level
// key, a cell that is not a mapping of keys to values, an axis that is not a non-empty list of
// distinct values.
SweepGrid read_grid_file(const std::string& path);

// The cells in order. ConfigError when no axis or cell is given, a key is on two axes or on an
// axis and in a named cell, or two cells get the same folder id.
std::vector<SweepCell> expand_grid(const SweepGrid& grid);

}  // namespace amem::cli
