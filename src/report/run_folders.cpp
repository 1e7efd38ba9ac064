#include "amem/report/run_folders.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "amem/core/error.h"
#include "amem/io/json_file.h"

namespace amem::report {

namespace fs = std::filesystem;

namespace {

// config.yaml's values by dotted key: a scalar's text, a list's YAML text. Two configs are the
// same setting exactly when these strings are (amem writes config.yaml in one canonical form).
void flatten_yaml(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& item : node)
      flatten_yaml(item.second, prefix.empty() ? item.first.as<std::string>() : prefix + "." + item.first.as<std::string>(), out);
    return;
  }
  out[prefix] = node.IsScalar() ? node.Scalar() : YAML::Dump(node);
}

std::map<std::string, std::string> read_config(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw Error(file.string() + ": not readable as YAML (" + e.msg + ")");
  }
  if (!root.IsMap()) throw Error(file.string() + ": expected a mapping of config sections");
  std::map<std::string, std::string> out;
  flatten_yaml(root, "", out);
  return out;
}

void flatten_json(const nlohmann::json& value, const std::string& prefix, Metrics& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) flatten_json(item, prefix.empty() ? key : prefix + "." + key, out);
  } else if (value.is_number()) {
    out[prefix] = value.get<double>();
  } else if (value.is_null()) {
    out[prefix] = std::nullopt;
  }  // strings (the adapter's name), booleans and lists are not figures to average
}

Metrics read_results(const fs::path& file) {
  const auto json = io::read_json_file(file.string());
  if (!json.is_object()) throw Error(file.string() + ": expected a JSON object");
  Metrics metrics;
  flatten_json(json, "", metrics);
  for (const char* key : {"exact_match", "f1"}) {
    const auto it = metrics.find(key);
    if (it == metrics.end() || !it->second)
      throw Error(file.string() + ": missing key '" + key + "' (expected a number, as amem eval writes)");
  }
  return metrics;
}

// The protocol curves of results.json (run_folders.h: EvalRun::curves).
std::map<std::string, Curve> read_protocol_curves(const fs::path& file) {
  const auto json = io::read_json_file(file.string());
  std::map<std::string, Curve> curves;
  for (const auto& [protocol, x_key] : {std::pair<std::string, std::string>{"retention", "documents_seen"},
                                        std::pair<std::string, std::string>{"distractors", "fraction"}}) {
    if (!json.contains(protocol)) continue;
    const auto& points = json[protocol].is_object() && json[protocol].contains("points") ? json[protocol]["points"] : nlohmann::json();
    if (!points.is_array()) throw Error(file.string() + ": " + protocol + ": expected an object with a list of points");
    for (const auto& point : points)
      for (const char* score : {"exact_match", "f1", "reference_exact_match", "reference_f1"}) {
        if (!point.is_object() || !point.contains(x_key) || !point[x_key].is_number() || !point.contains(score) ||
            !point[score].is_number())
          throw Error(file.string() + ": " + protocol + ".points: expected objects with numbers " + x_key + " and " + score);
        curves[protocol + "." + score].emplace_back(point[x_key].get<double>(), point[score].get<double>());
      }
  }
  return curves;
}

// Every numeric field but "step" and "time" of every line, as a curve over "step".
std::map<std::string, Curve> read_curves(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot be read");
  std::map<std::string, Curve> curves;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto where = file.string() + ":" + std::to_string(number);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      throw Error(where + ": invalid JSON line");
    }
    if (!json.is_object() || !json.contains("step") || !json["step"].is_number())
      throw Error(where + ": expected an object with a numeric \"step\"");
    const double step = json["step"].get<double>();
    for (const auto& [key, value] : json.items())
      if (key != "step" && key != "time" && value.is_number()) curves[key].emplace_back(step, value.get<double>());
  }
  return curves;
}

// True when the loss curve's last step is the config's train.steps.
bool reached_steps(const Curve& loss, const std::map<std::string, std::string>& config) {
  const auto steps = config.find("train.steps");
  if (steps == config.end() || loss.empty()) return false;
  try {
    return loss.back().first == std::stod(steps->second);
  } catch (const std::exception&) {
    return false;  // not a number: the run cannot show that it finished
  }
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// Reads the run folder `dir` into `runs`; `searched`: found by searching rather than given.
// A folder reached twice (given twice, or given and also found) counts once, as one run.
void read_run(const fs::path& dir, bool searched, Runs& runs, std::set<fs::path>& seen) {
  if (!seen.insert(fs::canonical(dir)).second) return;
  // A folder that is no result (failed, killed mid-way, a memory bank build): given, an error;
  // found by searching (a sweep keeps its failures, its killed cells once resumed, its banks),
  // skipped and listed.
  const auto no_result = [&](const std::string& why) {
    if (!searched) throw Error(why);
    runs.skipped.push_back(why);
  };
  if (fs::exists(dir / "FAILED"))
    return no_result(dir.string() + ": a failed run (FAILED: " + first_line(dir / "FAILED") + ")");
  auto config = read_config(dir / "config.yaml");
  if (fs::exists(dir / "results.json")) {
    runs.evals.push_back({dir.string(), std::move(config), read_results(dir / "results.json"),
                          read_protocol_curves(dir / "results.json")});
    return;
  }
  if (fs::exists(dir / "metrics.jsonl")) {
    auto curves = read_curves(dir / "metrics.jsonl");
    // A run stopped (killed) mid-way is not a result. It is finished when its losses reached the
    // config's train.steps (the loop logs the last step's loss before saving), or when it holds
    // last/ (the loop's final act, train/training_loop.h). Either suffices: run folders copied
    // back from a GPU machine without their checkpoints keep only the first.
    if (curves.count("loss") && !fs::exists(dir / "last") && !reached_steps(curves.at("loss"), config))
      return no_result(dir.string() + ": not a finished run (its training losses in metrics.jsonl stop before "
                                       "train.steps and it has no last/: it was stopped; resume it with "
                                       "train.resume=<run>/checkpoint)");
    if (curves.count("loss")) {
      runs.trainings.push_back({dir.string(), dir.filename().string(), std::move(curves)});
      return;
    }
  }
  // `amem memory build` finishes with a bank and no figures to report: a sweep's folder may hold one.
  if (fs::exists(dir / "memory_bank.safetensors"))
    return no_result(dir.string() + ": a memory bank build (memory_bank.safetensors), neither an evaluation nor a "
                                    "training run");
  no_result(dir.string() + ": not a finished run (config.yaml, but neither results.json nor training losses in "
                            "metrics.jsonl)");
}

void search(const fs::path& dir, Runs& runs, std::set<fs::path>& seen, size_t& found) {
  if (fs::exists(dir / "config.yaml")) {
    read_run(dir, true, runs, seen);
    ++found;
    return;
  }
  std::vector<fs::path> children;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && !entry.is_symlink()) children.push_back(entry.path());
  std::sort(children.begin(), children.end());
  for (const auto& child : children) search(child, runs, seen, found);
}

}  // namespace

Runs read_runs(const std::vector<std::string>& paths) {
  Runs runs;
  std::set<fs::path> seen;
  for (const auto& given : paths) {
    const fs::path path(given);
    if (!fs::exists(path)) throw Error(given + ": no such folder");
    if (!fs::is_directory(path)) throw Error(given + ": not a folder (expected a run folder or a folder of them)");
    if (fs::exists(path / "config.yaml")) {
      read_run(path, false, runs, seen);
      continue;
    }
    size_t found = 0;
    search(path, runs, seen, found);
    if (found == 0)
      throw Error(given + ": not a run folder (no config.yaml) and holds none at any depth");
  }
  return runs;
}

}  // namespace amem::report
