// bfloat16 autocast on CUDA for a scope, as the reference's `torch.autocast("cuda",
// dtype=torch.bfloat16)` blocks: matrix products run in bfloat16 while parameters, optimiser
// state and reductions stay in float32. On CPU (or when not enabled) it does nothing, so the
// same training code runs in CI.
#pragma once

#include <torch/torch.h>

namespace amem::device {

class Bf16Autocast {
 public:
  // Active when `enabled` and `device` is a CUDA device.
  Bf16Autocast(bool enabled, const torch::Device& device);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace amem::device
