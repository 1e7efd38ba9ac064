// The table `amem report` publishes: evaluation runs grouped into rows (one method or setting,
// several seeds), metrics as columns, each cell the mean and sample standard deviation over the
// row's runs.
//
// Grouping: two runs share a row when their config.yaml files agree on every key except
//   - seeds: any key named "seed" or ending in "_seed" (run.seed, data.seed today), and
//   - naming and output: run.name, run.output_dir, run.log_level (they change where a run is
//     written and what it prints, not what it computes).
// Rows keep the order of their first run. A row is labelled by the value of `label_key` in its
// runs' configs (run.name by default; several values are joined by " / "). Rows that would
// carry the same label get the keys that tell them apart appended: "none [adapt.lr=1e-4]".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "amem/report/run_folders.h"

namespace amem::report {

// The mean and sample standard deviation (n - 1 in the denominator) of a metric over a row's
// runs; `std` is nullopt for one run, `mean` too when the metric is null in every run.
struct Cell {
  std::optional<double> mean;
  std::optional<double> std;
  std::vector<std::optional<double>> values;  // per run, in the row's run order
};

struct Row {
  std::string label;
  std::vector<std::string> runs;      // run folders
  std::vector<std::string> seeds;     // per run, in key order, the seed keys that differ between the
                                      // row's runs (all of them for one run): "data.seed=0 run.seed=1"
  std::map<std::string, Cell> cells;  // by metric key; every key of the row's runs
};

struct ResultTable {
  std::vector<std::string> columns;  // metric keys shown, in order
  std::vector<Row> rows;
};

struct TableOptions {
  std::string label_key = "run.name";
  // The metric keys to show; empty: the default columns (default_columns()).
  std::vector<std::string> metrics;
};

// The cell of one metric's values over a row's runs: mean and sample std of the numbers; a
// metric null in the first run is null in all (the row's runs agree, tabulate checks).
Cell summarise(const std::vector<std::optional<double>>& values);

// True for the config keys grouping ignores (above).
bool is_ignored_for_grouping(const std::string& key);

// What a metric key measures: quality (its last part contains "exact_match" or "f1", or is
// "em": the official scores and any other protocol's beside them), seconds (the key contains
// "seconds"), bytes (contains "bytes"), or other (counts such as documents and questions).
enum class MetricKind { quality, seconds, bytes, other };
MetricKind metric_kind(const std::string& key);

// The default columns among `keys` (the metric keys of all runs): quality first (exact_match,
// f1, then the other quality keys), then seconds, then bytes, each group in key order. Other
// figures (counts) are left to summary.json.
std::vector<std::string> default_columns(const std::vector<std::string>& keys);

// Groups `runs` into rows. amem::Error naming both results.json files when two runs of one row
// have different metric keys, or a metric is null in one and a number in the other; ConfigError
// when `label_key` is not in some run's config.yaml or a requested metric is in no run.
ResultTable tabulate(const std::vector<EvalRun>& runs, const TableOptions& options);

}  // namespace amem::report
