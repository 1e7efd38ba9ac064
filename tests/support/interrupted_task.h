// A training task that stops the run after a given number of optimiser steps, as a kill would:
// the checkpoint of that step is written, nothing after it. In-process tests of exact resume.
#pragma once

#include <cstdint>
#include <filesystem>

#include "amem/train/training_task.h"

namespace amem::testing {

struct Interrupted {};  // thrown out of run_training; not an amem::Error

class InterruptedTask : public train::TrainingTask {
 public:
  // `task` takes `steps` optimiser steps of `grad_accum` micro-batches, then Interrupted is
  // thrown as the next step starts.
  InterruptedTask(train::TrainingTask& task, int64_t steps, int64_t grad_accum)
      : task_(task), losses_left_(steps * grad_accum) {}

  train::NamedTensors trainable() override { return task_.trainable(); }
  torch::Device device() const override { return task_.device(); }
  train::StepOutput compute_loss() override {
    if (losses_left_-- == 0) throw Interrupted{};
    return task_.compute_loss();
  }
  train::TaskState state() const override { return task_.state(); }
  void restore_state(const train::TaskState& state) override { task_.restore_state(state); }
  train::Metrics validate(const std::filesystem::path& dir) override { return task_.validate(dir); }
  void save_model(const std::filesystem::path& dir) override { task_.save_model(dir); }

 private:
  train::TrainingTask& task_;
  int64_t losses_left_;
};

}  // namespace amem::testing
