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
//                   end, with the metrics logged so far and best/ (hard links); `train.resume=
//                   <run>/checkpoint` continues the run exactly
//   best/           task.save_model() at the best validation so far by the task's selection
//                   metric (highest F1, lowest loss; with validation.json: its step and metrics)
//   last/           task.save_model() at the end
// Each folder is written atomically, with the resolved config.yaml beside the model.
// A resumed run writes into its own new run folder, which starts with the checkpoint's
// metrics.jsonl lines and best/: on CPU its metrics.jsonl (but for the times), best/ and last/
// equal those of the run had it never stopped. Lines the stopped run logged after its
// checkpoint are not carried over; they are logged again as the steps are taken again. The
// validation/step-N/ folders before the checkpoint stay in the stopped run's folder.
//
// Data parallelism (DataParallel with a process group, docs/multi_gpu.md): every rank runs this
// loop on its shard of the micro-batches (TrainingTask::shard_data); the trained tensors are
// checked equal at the start; each step's gradients are averaged over the ranks in buckets
// during the last micro-batch's backward (distributed/gradient_all_reduce.h; the earlier ones
// accumulate locally), then clipped and applied identically on every rank. The logged loss,
// metrics and tokens/s are over all ranks (means; tokens summed). Every rank validates its share
// of the validation batches, gathered so that the metrics are one process's (TrainingTask::
// validate). Rank 0 alone writes the run folder, validation outputs, checkpoints (which record
// the world size; resuming at another one is refused) and models; the others wait for it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_task.h"

namespace amem::distributed {
class ProcessGroup;
class GradientAllReduce;
}  // namespace amem::distributed

namespace amem::train {

class GraphedTrainingStep;  // graphed_training_step.h
class CapturableAdamW;      // capturable_adamw.h
class Bf16WorkingWeights;  // bf16_working_weights.h

// How the run is spread over processes; no group: one process, exactly as without a launcher.
struct DataParallel {
  distributed::ProcessGroup* group = nullptr;  // must outlive the run
  int64_t bucket_bytes = int64_t(25) << 20;     // distributed.bucket_mb
  // distributed.rank_seeds=offset: once the ranks' initial parameters are checked equal, rank r
  // reseeds its generators with this + r (run.seed), so that its dropout masks are its own.
  std::optional<uint64_t> rank_seed_base;
};

struct TrainingRunPaths {
  std::filesystem::path run_dir;  // existing run folder (run/run_dir.h); rank 0's alone
  run::MetricsLog* metrics = nullptr;
  std::string config_yaml;        // the resolved config, saved beside every model and checkpoint
};

struct TrainingSummary {
  int64_t steps = 0;                 // optimiser steps taken, resumed ones included
  std::string best_metric;           // TrainingTask::selection().metric
  std::optional<double> best_value;  // none when no validation ran
  int64_t best_step = 0;
  Metrics last_validation;
};

// One training run, in two stages so that every mistake is found before the run folder exists:
// the constructor builds the optimiser and, with train.resume, loads the checkpoint into the
// task; run() then trains into the folder.
class TrainingRun {
 public:
  // Errors: train.resume not a checkpoint, or one of another method or shape (amem::ConfigError
  // naming train.resume), train.steps not past its step (amem::ConfigError naming train.steps),
  // a damaged checkpoint file (amem::Error naming it), a checkpoint of another world size
  // (amem::ConfigError), ranks that start from different tensors (amem::Error), train.cuda_graph
  // where it cannot record (amem::ConfigError: the task, several processes, a device or build
  // without CUDA; TrainSettings::from refuses what the config alone shows), and
  // train.bf16_working_weights where it cannot apply (amem::ConfigError: several processes, a
  // task without one trained module, no weight to copy). `task` must outlive
  // the run.
  TrainingRun(TrainingTask& task, const TrainSettings& settings, const DataParallel& parallel = {});
  ~TrainingRun();

  // Trains from the checkpoint's step (or 0) to train.steps; call once. Under data parallelism
  // only rank 0's `paths` are used.
  TrainingSummary run(const TrainingRunPaths& paths);

 private:
  TrainingTask& task_;
  TrainSettings settings_;
  NamedTensors trainable_;
  std::vector<torch::Tensor> parameters_;  // trainable_'s tensors, as the optimiser takes them
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  TrainingProgress start_;                           // step 0, or the checkpoint's progress
  std::optional<std::filesystem::path> checkpoint_;  // the folder resumed from
  std::string history_;                              // its metrics.jsonl lines
  DataParallel parallel_;
  std::unique_ptr<distributed::GradientAllReduce> all_reduce_;  // with a process group
  std::unique_ptr<GraphedTrainingStep> graphed_;                 // with train.cuda_graph
  std::unique_ptr<CapturableAdamW> fused_adamw_;                 // eager steps with train.fused_optimizer
  std::unique_ptr<Bf16WorkingWeights> working_weights_;          // with train.bf16_working_weights
};

// TrainingRun(task, settings).run(paths), for callers that make the run folder first.
TrainingSummary run_training(TrainingTask& task, const TrainSettings& settings, const TrainingRunPaths& paths);

}  // namespace amem::train
