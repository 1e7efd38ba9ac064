// What a training method gives the shared training loop (training_loop.h): its trained tensors,
// a loss on its next micro-batch, its own state for checkpoints, validation, and its own way of
// saving the trained model. The loop owns everything else — optimiser, schedule, accumulation,
// clipping, autocast, logging, checkpoints and resume — so every method trains and resumes the
// same way.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "amem/distributed/batch_shards.h"
#include "amem/train/training_checkpoint.h"

namespace amem::train {

// Named values in the order they are logged.
using Metrics = std::vector<std::pair<std::string, double>>;

// Which validation metric selects the best checkpoint (best/), and which way is better.
struct ValidationSelection {
  std::string metric = "f1";
  bool higher_is_better = true;
};

// Metrics still on the device: 0-d float64 tensors, read after the step (metrics_on_host).
using DeviceMetrics = std::vector<std::pair<std::string, torch::Tensor>>;

// Their values on the host, in order, through one device-to-host copy.
Metrics metrics_on_host(const DeviceMetrics& metrics);

struct StepOutput {
  torch::Tensor loss;  // scalar to minimise; the loop divides it by grad_accum and backpropagates
  Metrics metrics;     // logged as their mean over the step's micro-batches
  int64_t tokens = 0;  // tokens processed, for tokens/s
  DeviceMetrics device_metrics;  // more, still on the device: logged after metrics, read after backward
};

// One micro-batch as device tensors, drawn on the host (train.cuda_graph).
struct TensorBatch {
  std::vector<torch::Tensor> tensors;  // in the task's own order, the same roles every time
  int64_t tokens = 0;                  // real tokens, for tokens/s
  bool with_metrics = false;           // the step logs the task's extra metrics
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;

  // The tensors AdamW updates and checkpoints save, under stable names. Called once.
  virtual NamedTensors trainable() = 0;
  // Where the trained tensors live (autocast applies on CUDA).
  virtual torch::Device device() const = 0;
  // The module whose forward reads the trained tensors, for train.bf16_working_weights
  // (bf16_working_weights.h), which computes with bfloat16 copies of some of them; nullptr (the
  // default) when there is no one such module, and the key is refused.
  virtual torch::nn::Module* trained_module() { return nullptr; }

  // The loss of the next micro-batch (drawn by the task, which puts its modules in train mode).
  virtual StepOutput compute_loss() = 0;

  // train.cuda_graph (graphed_training_step.h) records a step once and replays it, which needs
  // compute_loss() in two halves: next_tensor_batch() draws the next micro-batch on the host,
  // and loss_on_tensors() computes the loss of such tensors (or of copies with the same shapes)
  // without waiting for the host — no .item(), .cpu(), or shapes read from values — its metrics
  // in device_metrics (a step that logs them is recorded too when every step logs them).
  // compute_loss() must equal the two in turn. A task
  // that can returns nullopt from cuda_graph_refusal(); the default says why it cannot.
  virtual std::optional<std::string> cuda_graph_refusal() const;
  virtual TensorBatch next_tensor_batch();
  virtual StepOutput loss_on_tensors(const std::vector<torch::Tensor>& tensors, bool with_metrics);
  // Everything besides the trainable tensors, the optimiser and the global generators that the
  // next compute_loss() depends on: sampler positions (EpochSampler::position()), counters,
  // tensors carried from one step to the next. Checkpoints store it and a resumed run restores
  // it before its first step, so that it continues bit for bit; a task with no such state says
  // so by returning an empty TaskState. Pure virtual, so that a new method cannot forget it.
  virtual TaskState state() const = 0;
  // Restores what state() returned in the run being resumed; amem::Error when it cannot have
  // come from this task with this config (another dataset, another model shape).
  virtual void restore_state(const TaskState& state) = 0;

  // Data parallelism (distributed/): this process is rank `rank` of `world_size`, each with the
  // same task; its compute_loss() must draw the rank's share of the one-process micro-batches
  // (EpochSampler::shard) and state() must stay the same on every rank, since rank 0's is saved.
  // Methods whose state differs between ranks keep this default: amem::ConfigError.
  virtual void shard_data(int rank, int world_size);

  // Validation metrics; must include selection().metric, which selects the best checkpoint.
  // `output_dir` is an existing, empty folder of this validation for anything worth keeping
  // (predictions, pictures). The task restores train mode on its next compute_loss().
  // Under data parallelism every rank calls it at the same steps: it splits its batches over
  // the ranks through validation_shards() and gathers them, so that every rank returns the
  // metrics one process would (a task may also compute everything on every rank); only the rank
  // whose validation_shards().writes() writes into `output_dir`, which exists on that rank alone.
  virtual Metrics validate(const std::filesystem::path& output_dir) = 0;
  // The QA methods keep the highest F1; pre-training the lowest validation loss.
  virtual ValidationSelection selection() const { return {}; }

  // Writes the trained model into the (empty, existing) folder `dir` in the method's format,
  // e.g. a Hugging Face checkpoint, or the trained parts alone.
  virtual void save_model(const std::filesystem::path& dir) = 0;

  // Set by the training loop under data parallelism; one process otherwise.
  void shard_validation(const distributed::BatchShards& shards) { validation_shards_ = shards; }

 protected:
  const distributed::BatchShards& validation_shards() const { return validation_shards_; }

 private:
  distributed::BatchShards validation_shards_;
};

}  // namespace amem::train
