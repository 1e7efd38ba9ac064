// Checkpoints of a training run that resume exactly.
//
// A checkpoint is a folder holding everything the next step depends on:
//   trainable.safetensors   the trained tensors, by name (never the frozen base LM)
//   optimizer.safetensors   per-tensor optimiser state (Adam/AdamW moments and step counts,
//                           SGD momentum buffers), named "<tensor>/<field>"
//   rng.safetensors         the CPU generator state and each CUDA device's
//   state.json              the step and the caller's data position (an opaque JSON value)
//   plus any extra files the caller adds (the resolved config.yaml, for one).
// The folder is written under a temporary name and renamed into place, so a crash leaves
// either the old checkpoint or the new one, never half of one.
#pragma once

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace amem::train {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct TrainingProgress {
  int64_t step = 0;                 // optimiser steps taken
  nlohmann::json data_position;     // whatever the data pipeline needs to continue
};

// Writes the checkpoint folder `dir` (replacing an existing one atomically).
// `trainable` must be the tensors `optimizer` updates, under stable names.
void save_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                              const torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress,
                              const std::map<std::string, std::string>& extra_files = {});

// Restores tensors (in place, keeping their device and dtype), optimiser state, generator
// states, and returns the progress. Every tensor of `trainable` must be in the checkpoint with
// the same shape; errors name the folder and tensor.
TrainingProgress load_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                                          torch::optim::Optimizer& optimizer);

}  // namespace amem::train
