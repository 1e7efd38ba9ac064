// Learning-rate schedules with linear warm-up, as the reference code takes them from
// transformers (get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
// get_cosine_schedule_with_warmup): the same factor at every step, so runs line up.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace amem::train {

class LrSchedule {
 public:
  enum class Kind { kConstant, kConstantWithWarmup, kLinear, kCosine };

  // The schedule names, in Kind's order: the choices of train.schedule in the schema.
  static const std::vector<std::string>& names();

  // `name`: "constant", "constant_with_warmup", "linear" or "cosine"; anything else throws
  // amem::ConfigError naming `field`. total_steps is needed by linear and cosine (> warmup).
  LrSchedule(const std::string& name, double base_lr, int64_t warmup_steps, int64_t total_steps,
             const std::string& field = "train.schedule");

  // The multiplier of base_lr after `step` optimiser steps (0 before the first).
  double factor(int64_t step) const;
  double lr(int64_t step) const { return base_lr_ * factor(step); }
  // Sets every parameter group of `optimizer` to lr(step).
  void apply(torch::optim::Optimizer& optimizer, int64_t step) const;

 private:
  Kind kind_;
  double base_lr_;
  int64_t warmup_, total_;
};

}  // namespace amem::train
