#include "amem/report/result_table.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "amem/core/error.h"

namespace amem::report {

namespace {

std::string last_part(const std::string& key) { return key.substr(key.rfind('.') + 1); }

bool is_seed_key(const std::string& key) {
  const auto name = last_part(key);
  return name == "seed" || (name.size() > 5 && name.compare(name.size() - 5, 5, "_seed") == 0);
}

std::string results_file(const EvalRun& run) { return run.path + "/results.json"; }

// The config text without the keys grouping ignores: equal for runs of one row.
std::map<std::string, std::string> grouping_key(const EvalRun& run) {
  std::map<std::string, std::string> key;
  for (const auto& [k, v] : run.config)
    if (!is_ignored_for_grouping(k)) key.emplace(k, v);
  return key;
}

std::string config_value(const EvalRun& run, const std::string& key) {
  const auto it = run.config.find(key);
  if (it == run.config.end())
    throw ConfigError("--label " + key + ": not a key of " + run.path + "/config.yaml");
  return it->second;
}

// The same metric keys, null in the same places: a row's runs measured the same things.
void check_same_metrics(const EvalRun& first, const EvalRun& run) {
  for (const auto& [key, value] : first.metrics) {
    const auto it = run.metrics.find(key);
    if (it == run.metrics.end())
      throw Error(results_file(run) + ": no '" + key + "', which " + results_file(first) +
                  " of the same row has (runs of one row must report the same metrics)");
    if (it->second.has_value() != value.has_value())
      throw Error(results_file(run) + ": '" + key + "' is " + (it->second ? "a number" : "null") + " but " +
                  (value ? "a number" : "null") + " in " + results_file(first) + " of the same row");
  }
  for (const auto& [key, value] : run.metrics)
    if (!first.metrics.count(key))
      throw Error(results_file(run) + ": '" + key + "' is not in " + results_file(first) +
                  " of the same row (runs of one row must report the same metrics)");
}

// Appends "[k=v, ...]" to labels that several rows share: every config key whose value differs
// among those rows (a shortened list could hide the one key that tells two rows apart).
void disambiguate(std::vector<Row>& rows, const std::vector<const EvalRun*>& firsts) {
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<size_t> same;
    for (size_t j = 0; j < rows.size(); ++j)
      if (rows[j].label == rows[i].label) same.push_back(j);
    if (same.size() < 2 || same.front() != i) continue;
    std::set<std::string> differing;
    const auto base = grouping_key(*firsts[i]);
    for (size_t j : same) {
      const auto other = grouping_key(*firsts[j]);
      for (const auto& [k, v] : base)
        if (!other.count(k) || other.at(k) != v) differing.insert(k);
      for (const auto& [k, v] : other)
        if (!base.count(k)) differing.insert(k);
    }
    const std::string label = rows[i].label;
    for (size_t j : same) {
      std::string suffix;
      for (const auto& k : differing) {
        const auto it = firsts[j]->config.find(k);
        suffix += (suffix.empty() ? "" : ", ") + k + "=" + (it == firsts[j]->config.end() ? "(none)" : it->second);
      }
      rows[j].label = label + " [" + suffix + "]";
    }
  }
}

}  // namespace

Cell summarise(const std::vector<std::optional<double>>& values) {
  Cell cell;
  cell.values = values;
  if (values.empty() || !values.front()) return cell;  // null in every run (check_same_metrics)
  double sum = 0;
  for (const auto& v : values) sum += *v;
  const double mean = sum / double(values.size());
  cell.mean = mean;
  if (values.size() > 1) {
    double squares = 0;
    for (const auto& v : values) squares += (*v - mean) * (*v - mean);
    cell.std = std::sqrt(squares / double(values.size() - 1));
  }
  return cell;
}

bool is_ignored_for_grouping(const std::string& key) {
  return is_seed_key(key) || key == "run.name" || key == "run.output_dir" || key == "run.log_level";
}

MetricKind metric_kind(const std::string& key) {
  const auto name = last_part(key);
  if (name == "em" || name.find("exact_match") != std::string::npos || name.find("f1") != std::string::npos)
    return MetricKind::quality;
  if (key.find("seconds") != std::string::npos) return MetricKind::seconds;
  if (key.find("bytes") != std::string::npos) return MetricKind::bytes;
  return MetricKind::other;
}

std::vector<std::string> default_columns(const std::vector<std::string>& keys) {
  std::vector<std::string> columns;
  for (const char* first : {"exact_match", "f1"})
    if (std::find(keys.begin(), keys.end(), first) != keys.end()) columns.push_back(first);
  for (const auto kind : {MetricKind::quality, MetricKind::seconds, MetricKind::bytes})
    for (const auto& k : keys)
      if (metric_kind(k) == kind && k != "exact_match" && k != "f1") columns.push_back(k);
  return columns;
}

ResultTable tabulate(const std::vector<EvalRun>& runs, const TableOptions& options) {
  ResultTable table;
  std::vector<std::map<std::string, std::string>> keys;  // per row
  std::vector<std::vector<const EvalRun*>> members;      // per row
  for (const auto& run : runs) {
    const auto key = grouping_key(run);
    const auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      members.push_back({&run});
    } else {
      members[size_t(it - keys.begin())].push_back(&run);
    }
  }
  std::set<std::string> all_keys;
  std::vector<const EvalRun*> firsts;
  for (const auto& row_runs : members) {
    Row row;
    std::vector<std::string> labels;
    for (const auto* run : row_runs) {
      check_same_metrics(*row_runs.front(), *run);
      const auto label = config_value(*run, options.label_key);
      if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
      row.runs.push_back(run->path);
    }
    // Each run's seeds are the seed keys whose values tell the row's runs apart: a seed key every
    // run shares (pretrain.val_seed in an evaluation's config) says nothing about it. A row of
    // one run lists all its seed keys.
    std::set<std::string> varying;
    for (const auto* run : row_runs)
      for (const auto& [k, v] : run->config)
        if (is_seed_key(k) && (row_runs.size() == 1 || config_value(*row_runs.front(), k) != v)) varying.insert(k);
    for (const auto* run : row_runs) {
      std::string seeds;
      for (const auto& [k, v] : run->config)
        if (varying.count(k)) seeds += (seeds.empty() ? "" : " ") + k + "=" + v;
      row.seeds.push_back(seeds);
    }
    for (const auto& label : labels) row.label += (row.label.empty() ? "" : " / ") + label;
    for (const auto& [metric, value] : row_runs.front()->metrics) {
      std::vector<std::optional<double>> values;
      for (const auto* run : row_runs) values.push_back(run->metrics.at(metric));
      row.cells[metric] = summarise(values);
      all_keys.insert(metric);
    }
    firsts.push_back(row_runs.front());
    table.rows.push_back(std::move(row));
  }
  disambiguate(table.rows, firsts);
  const std::vector<std::string> sorted(all_keys.begin(), all_keys.end());
  if (options.metrics.empty()) {
    table.columns = default_columns(sorted);
  } else {
    // The numeric keys, which alone can be columns (a null or an object, such as a memory bank
    // that only MAC runs have, is no figure).
    std::set<std::string> numeric;
    for (const auto& row : table.rows)
      for (const auto& [k, cell] : row.cells)
        if (cell.mean) numeric.insert(k);
    std::set<std::string> given;
    for (const auto& m : options.metrics) {
      if (!given.insert(m).second) throw ConfigError("--metrics " + m + ": given twice");
      if (!numeric.count(m)) {
        std::string known;
        for (const auto& k : numeric) known += (known.empty() ? "" : ", ") + k;
        throw ConfigError("--metrics " + m + ": no number under this key in any results.json of these runs (numbers: " +
                          known + ")");
      }
    }
    table.columns = options.metrics;
  }
  return table;
}

}  // namespace amem::report
