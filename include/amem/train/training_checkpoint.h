// Checkpoints of a training run that resume exactly.
//
// A checkpoint is a folder holding everything the next step depends on:
//   trainable.safetensors   the trained tensors, by name (never the frozen base LM)
//   optimizer.safetensors   per-tensor optimiser state (Adam/AdamW moments and step counts,
//                           SGD momentum buffers), named "<tensor>/<field>", in the dtype the
//                           optimiser keeps them in (train.optimizer_state_dtype)
//   rng.safetensors         the CPU generator state and each CUDA device's ("cpu", "cuda0", ...);
//                           under data parallelism also the other ranks' ("rank1/cpu", ...)
//   task.safetensors        the task's own tensors (TaskState::tensors; often none)
//   state.json              the step, the task's own values (TaskState::values, opaque JSON)
//                           and the best validation so far ({"value", "step"} or null), with
//                           train.keep_best's under "kept_best" ({metric: {"value", "step"}})
//   plus any extra files and folders the caller adds (the resolved config.yaml, the metrics
//   logged so far, the best model).
// The folder is written under a temporary name and renamed into place, so a crash leaves
// either the old checkpoint or the new one, never half of one (io/atomic_folder.h; a crash
// between its two renames leaves the old one as "<dir>.old", which loading falls back to).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace amem::train {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// A training task's own state (training_task.h): JSON values and tensors, both opaque here.
struct TaskState {
  nlohmann::json values;  // e.g. sampler positions, counters
  NamedTensors tensors;   // names unique; stored as they are (dtype, CPU copy)
};

// The best validation so far (TrainingTask::selection), which best/ holds.
struct BestValidation {
  double value = 0;  // of the selection metric
  int64_t step = 0;
};

struct TrainingProgress {
  int64_t step = 0;                   // optimiser steps taken
  TaskState task;                     // what the task needs to continue
  std::optional<BestValidation> best;  // none before the first validation
  std::map<std::string, BestValidation> kept_best;  // train.keep_best's, by metric (best_<metric>/)
  // Data parallelism: ranks 1.. generator states, "rank<R>/<generator>" (generator_states()
  // names); this process's own are the checkpoint's "cpu", "cuda0", ...
  NamedTensors rank_generators;
};

// This process's generator states, as rng.safetensors stores them: "cpu", then "cuda<d>" for
// each CUDA device. restore_generator_states() sets back those it is given.
NamedTensors generator_states();
void restore_generator_states(const NamedTensors& states);

// Writes the checkpoint folder `dir` (replacing an existing one atomically).
// `trainable` must be the tensors `optimizer` updates, under stable names. `extra_folders`
// maps a name inside the checkpoint to an existing folder whose files are hard-linked there
// (copied where links cannot be made): amem replaces files only by renaming new ones over them,
// so a link keeps the contents of the moment, at no cost in disk.
void save_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                              const torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress,
                              const std::map<std::string, std::string>& extra_files = {},
                              const std::map<std::string, std::filesystem::path>& extra_folders = {});

// The folder that holds the checkpoint saved as `dir`: `dir` itself, or "<dir>.old" when the
// process was killed between the two renames of its atomic swap. amem::ConfigError when
// neither is a folder.
std::filesystem::path checkpoint_folder(const std::string& dir);

// Restores tensors (in place, keeping their device and dtype), optimiser state, generator
// states, and returns the progress (the task state is returned, not applied). Reads
// checkpoint_folder(dir). A folder that is not a checkpoint, or one whose tensors do not match
// `trainable` (another method or model shape), or whose moments are stored in another dtype
// than `optimizer` keeps them in (train.optimizer_state_dtype changed; refused, not converted),
// is amem::ConfigError naming the folder or file and tensor, before anything is restored; a
// damaged file is amem::Error naming the file.
TrainingProgress load_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                                          torch::optim::Optimizer& optimizer);

}  // namespace amem::train
