// The training loop every training command shares. One optimiser step is:
//   for each of train.grad_accum micro-batches: loss = task.compute_loss() (under bf16 autocast
//   when train.bf16_autocast and the task is on CUDA), (loss / grad_accum).backward();
//   clip the global gradient norm to train.max_grad_norm; set the lr from the schedule; AdamW step.
// AdamW has the reference's (transformers / torch) defaults: betas 0.9, 0.999, eps 1e-8, and
// train.weight_decay.
//
// The run folder gets:
//   metrics.jsonl   every log_every steps: loss, the task's metrics, grad_norm, lr, tokens/s,
//                   seconds per step; and "val_*" lines at each validation
//   validation/step-N/   whatever the task's validate() keeps
//   checkpoint/     the resumable state (training_checkpoint.h) every save_every steps and at the
//                   end; `train.resume=<run>/checkpoint` continues the run exactly
//   best/           task.save_model() at the validation with the highest F1 so far (with
//                   validation.json: its step and metrics)
//   last/           task.save_model() at the end
// Each folder is written atomically, with the resolved config.yaml beside the model.
// A resumed run writes into its own new run folder; its best/ is the best of the validations
// it ran.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_task.h"

namespace amem::train {

struct TrainingRunPaths {
  std::filesystem::path run_dir;  // existing run folder (run/run_dir.h)
  run::MetricsLog* metrics = nullptr;
  std::string config_yaml;        // the resolved config, saved beside every model and checkpoint
};

struct TrainingSummary {
  int64_t steps = 0;                 // optimiser steps taken, resumed ones included
  std::optional<double> best_f1;     // none when no validation ran
  int64_t best_step = 0;
  Metrics last_validation;
};

// `open_run` creates the run folder; it is called once the optimiser exists and the
// train.resume checkpoint (if any) is restored, so that a resume that fails leaves no folder.
TrainingSummary run_training(TrainingTask& task, const TrainSettings& settings,
                             const std::function<TrainingRunPaths()>& open_run);
// The same in a folder that exists already.
TrainingSummary run_training(TrainingTask& task, const TrainSettings& settings, const TrainingRunPaths& paths);

}  // namespace amem::train
