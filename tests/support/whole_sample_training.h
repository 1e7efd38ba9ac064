// The tiny MAC trained on its whole sample as one batch: the QA loss on all of its triples before
// and after amem's training loop, for the tests that check that a setting still lets it fall.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <numeric>
#include <vector>

#include "amem/config/config.h"
#include "amem/methods/mac/mac_training_task.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"

namespace amem::testing {

struct LossBeforeAfter {
  double before;
  double after;
};

// Trains `task` (made from `config`) as `config` says, writing into `dir` (metrics.jsonl, last/,
// validation/). `config` should make the batch the whole sample.
inline LossBeforeAfter train_on_whole_sample(methods::MacTrainingTask& task, const config::Config& config,
                                             const std::filesystem::path& dir) {
  std::vector<size_t> all(task.triples());
  std::iota(all.begin(), all.end(), size_t(0));
  const double before = task.loss_on(all).loss.item<double>();
  run::MetricsLog metrics((dir / "metrics.jsonl").string());
  train::run_training(task, train::TrainSettings::from(config), {dir, &metrics, config.to_yaml()});
  return {before, task.loss_on(all).loss.item<double>()};
}

}  // namespace amem::testing
