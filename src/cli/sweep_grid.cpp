#include "cli/sweep_grid.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/report/result_table.h"

namespace amem::cli {

namespace {

// A YAML value as override text: a scalar's text, anything else in flow style ([1, 2]).
std::string value_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "null";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// What a YAML node is, for "expected ..., not <kind>".
std::string kind_of(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "an empty value";
  if (node.IsScalar()) return "the value '" + node.Scalar() + "'";
  return "a mapping";
}

// A mapping {key: value} as "key=value" overrides, in file order.
std::vector<std::string> overrides_of(const YAML::Node& mapping) {
  std::vector<std::string> overrides;
  for (const auto& kv : mapping) overrides.push_back(kv.first.as<std::string>() + "=" + value_text(kv.second));
  return overrides;
}

SweepTraining training_of(const YAML::Node& train, const std::string& path) {
  SweepTraining t;
  t.source = path + ": train";
  const std::string where = "sweep: " + t.source;
  for (const auto& entry : train) {
    const auto key = entry.first.as<std::string>();
    const auto& value = entry.second;
    const auto scalar = [&] {
      if (!value.IsScalar()) throw ConfigError(where + "." + key + ": expected one value, not " + kind_of(value));
      return value.Scalar();
    };
    if (key == "config") {
      t.config = scalar();
    } else if (key == "overrides") {
      if (!value.IsMap())
        throw ConfigError(where + ".overrides: expected a mapping of config keys to values, not " + kind_of(value));
      t.overrides = overrides_of(value);
    } else if (key == "networks") {
      t.networks = scalar();
      if (t.networks != "best" && t.networks != "last")
        throw ConfigError(where + ".networks: '" + t.networks + "' (expected best or last)");
    } else if (key == "model_key") {
      t.model_key = scalar();
    } else if (key == "eval_only") {
      if (!value.IsSequence()) throw ConfigError(where + ".eval_only: expected a list of sections, not " + kind_of(value));
      t.eval_only.clear();
      for (const auto& v : value) t.eval_only.push_back(v.as<std::string>());
    } else {
      throw ConfigError(where + "." + key + ": unknown entry (expected config, overrides, networks, model_key or eval_only)");
    }
  }
  // What the eval side reads must exist in amem's config, or the mistake would surface only
  // after every training (model_key) or never (an eval_only section that matches nothing).
  const auto& schema = config::amem_schema();
  if (!schema.find(t.model_key))
    throw ConfigError(where + ".model_key: '" + t.model_key + "' is not a config key (e.g. mac.networks)");
  for (const auto& section : t.eval_only) {
    const bool known = std::any_of(schema.sections().begin(), schema.sections().end(),
                                   [&](const auto& s) { return s.name() == section; });
    if (!known) throw ConfigError(where + ".eval_only: '" + section + "' is not a config section (e.g. eval, memory)");
    // An eval reads no train.* key (amem eval refuses them), so they would reach neither.
    if (section == "train")
      throw ConfigError(where + ".eval_only: 'train': a cell's train.* keys are its training's, and an eval reads "
                        "none, so they would reach neither; leave train out of eval_only");
  }
  if (t.config.empty()) throw ConfigError(where + ": config: missing (the training config each cell trains with)");
  if (!std::filesystem::is_regular_file(t.config))
    throw ConfigError(where + ".config: " + t.config + ": no such file");
  return t;
}

void check_distinct(const std::vector<std::string>& values, const std::string& where) {
  std::set<std::string> seen;
  for (const auto& v : values)
    if (!seen.insert(v).second) throw ConfigError(where + ": the value '" + v + "' is given twice");
}

// Letters, digits and ".=,+-_" kept, anything else '_': a folder name on every file system.
std::string file_name_safe(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || std::string(".=,+-_").find(c) != std::string::npos;
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace

SweepAxis parse_grid_flag(const std::string& text) {
  SweepAxis axis;
  axis.source = "--grid '" + text + "'";
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("sweep: " + axis.source + ": expected KEY=V1,V2,... (e.g. memory.window=2,4)");
  axis.key = text.substr(0, eq);
  std::string value;
  int depth = 0;
  char quote = 0;
  const auto take = [&] {
    if (value.empty()) throw ConfigError("sweep: " + axis.source + ": an empty value (write '' for the empty string)");
    axis.values.push_back(value);
    value.clear();
  };
  for (size_t i = eq + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      take();
      continue;
    }
    value += c;
  }
  take();
  check_distinct(axis.values, "sweep: " + axis.source);
  return axis;
}

SweepGrid read_grid_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw ConfigError("sweep: --grid-file " + path + ": no such file");
  YAML::Node loaded;
  try {
    loaded = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError("sweep: " + path + ": not readable as YAML (" + e.msg + ")");
  }
  const YAML::Node& root = loaded;  // const: looking a key up must not add it
  const std::string expected = "expected a mapping with cells: (name -> {key: value}) and/or grid: (key -> [values])";
  if (!root.IsMap() || root.size() == 0) throw ConfigError("sweep: " + path + ": " + expected);
  for (const auto& entry : root) {
    const auto name = entry.first.as<std::string>();
    if (name != "cells" && name != "grid" && name != "train")
      throw ConfigError("sweep: " + path + ": " + name + ": unknown entry (expected cells, grid or train)");
    if (!entry.second.IsMap()) throw ConfigError("sweep: " + path + ": " + name + ": expected a mapping");
  }
  SweepGrid grid;
  if (const auto cells = root["cells"]) {
    for (const auto& cell : cells) {
      const auto name = cell.first.as<std::string>();
      const std::string where = "sweep: " + path + ": cells." + name;
      if (!cell.second.IsMap())
        throw ConfigError(where + ": expected a mapping of config keys to values, e.g. {cmt.selector: all} ({}: the "
                          "config as it is), not " + kind_of(cell.second));
      grid.named.emplace_back(name, overrides_of(cell.second));
    }
  }
  if (const auto train = root["train"]) grid.training = training_of(train, path);
  if (const auto axes = root["grid"]) {
    for (const auto& entry : axes) {
      SweepAxis axis;
      axis.key = entry.first.as<std::string>();
      axis.source = path + ": grid." + axis.key;
      if (!entry.second.IsSequence() || entry.second.size() == 0)
        throw ConfigError("sweep: " + axis.source + ": expected a non-empty list of values");
      for (const auto& v : entry.second) axis.values.push_back(value_text(v));
      check_distinct(axis.values, "sweep: " + axis.source);
      grid.axes.push_back(std::move(axis));
    }
  }
  return grid;
}

std::vector<SweepCell> expand_grid(const SweepGrid& grid) {
  if (grid.named.empty() && grid.axes.empty())
    throw ConfigError("sweep: no grid: give --grid KEY=V1,V2, --grid-file FILE or --seeds");
  // A key on two axes, or on an axis and in a cell, would be set twice with the last winning.
  std::set<std::string> axis_keys;
  for (const auto& axis : grid.axes)
    if (!axis_keys.insert(axis.key).second)
      throw ConfigError("sweep: " + axis.source + ": " + axis.key + " is on two axes of the grid");
  // The sweep sets each cell's run.name and run.output_dir itself, and the table groups runs
  // regardless of run.* (result_table.h): cells told apart by run.* alone would merge, or their
  // setting be overwritten. run.seed is the exception (--seeds), averaged over in a row.
  const auto refuse_run_key = [](const std::string& key, const std::string& where) {
    if (key.rfind("run.", 0) == 0 && key != "run.seed")
      throw ConfigError(where + " " + key + ", but the sweep sets run.name and run.output_dir per cell and its " +
                        "table does not tell cells apart by run.* (only run.seed may vary, as --seeds)");
  };
  for (const auto& axis : grid.axes) refuse_run_key(axis.key, "sweep: " + axis.source + ": an axis on");
  for (const auto& [name, overrides] : grid.named)
    for (const auto& o : overrides) {
      const auto key = o.substr(0, o.find('='));
      refuse_run_key(key, "sweep: cell '" + name + "' sets");
      if (axis_keys.count(key))
        throw ConfigError("sweep: cell '" + name + "' sets " + key + ", which is also an axis of the grid");
    }

  std::vector<SweepCell> cells;
  const auto named = grid.named.empty() ? decltype(grid.named){{"", {}}} : grid.named;
  for (const auto& [name, overrides] : named) {
    std::vector<SweepCell> partial{{name, name, overrides}};
    for (const auto& axis : grid.axes) {
      std::vector<SweepCell> next;
      for (const auto& cell : partial)
        for (const auto& value : axis.values) {
          SweepCell c = cell;
          const std::string part = axis.key + "=" + value;
          c.overrides.push_back(part);
          // Seeds are averaged over in the table (result_table.h), so they name folders, not rows.
          if (!report::is_ignored_for_grouping(axis.key)) c.label += (c.label.empty() ? "" : ",") + part;
          c.id += (c.id.empty() ? "" : ",") + part;
          next.push_back(std::move(c));
        }
      partial = std::move(next);
    }
    cells.insert(cells.end(), partial.begin(), partial.end());
  }
  std::set<std::string> ids;
  for (auto& cell : cells) {
    cell.id = file_name_safe(cell.id);
    cell.label = cell.label.empty() ? "base" : file_name_safe(cell.label);
    if (!ids.insert(cell.id).second)
      throw ConfigError("sweep: two cells would share the folder '" + cell.id + "'; name them apart");
  }
  return cells;
}

}  // namespace amem::cli
