// Finding and reading the run folders that `amem report` summarises (run_dir.h describes a
// run folder). Two kinds are read:
//   an evaluation run   config.yaml + results.json (amem eval, eval/online_eval.cpp)
//   a training run      config.yaml + metrics.jsonl with "loss" lines and no results.json
//                       (amem train, qa-tune, pretrain; run/metrics_log.h, train/training_loop.cpp);
//                       finished when its losses reach train.steps or it holds last/
// A path given to the report is a run folder when it holds config.yaml; otherwise it is searched
// for run folders at any depth, never looking inside a run folder (whose best/ and checkpoint/
// hold config.yaml files of their own). Found folders come sorted by path, after the paths given
// before them. A run folder reached twice (given twice, or given and also found) counts once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace amem::report {

// A numeric leaf of results.json by its dotted path ("adapt_seconds_per_document.median"); a
// JSON null (a figure the run could not measure, such as CUDA memory on a CPU run) is nullopt.
using Metrics = std::map<std::string, std::optional<double>>;

// One column of metrics.jsonl: (step, value) in file order.
using Curve = std::vector<std::pair<double, double>>;

struct EvalRun {
  std::string path;                           // the run folder, as found
  std::map<std::string, std::string> config;  // config.yaml flattened: dotted key -> scalar text (lists: YAML)
  Metrics metrics;                            // from results.json; has exact_match and f1
  // The online evaluation's protocol curves (eval/online_eval.h), when results.json has them:
  // "retention.<score>" over documents_seen and "distractors.<score>" over fraction, <score>
  // one of exact_match, f1, reference_exact_match, reference_f1; points in file order.
  std::map<std::string, Curve> curves;
};

struct TrainingRun {
  std::string path;
  std::string name;                    // the folder's name
  std::map<std::string, Curve> curves;  // by metric name ("loss", "val_f1", ...)
};

struct Runs {
  std::vector<EvalRun> evals;
  std::vector<TrainingRun> trainings;
  // Found by searching and left out, "<path>: <why>": failed runs (FAILED), unfinished (killed)
  // runs and memory bank builds (amem memory build: memory_bank.safetensors without results.json).
  std::vector<std::string> skipped;
};

// Reads the runs at or under `paths`. amem::Error, naming the path or file, when a path does not
// exist, is neither a run folder nor holds one; when a run folder given directly is failed
// (FAILED), a memory bank build, or unfinished (killed: neither results.json nor finished training
// losses); when config.yaml, results.json or metrics.jsonl is unreadable, or results.json lacks a
// numeric exact_match or f1. Failed, unfinished runs and memory bank builds found by searching are
// listed in `skipped` instead (a sweep keeps its failures, killed cells and banks beside its results).
Runs read_runs(const std::vector<std::string>& paths);

}  // namespace amem::report
