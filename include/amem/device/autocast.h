// bfloat16 autocast on CUDA for a scope, as the reference's `torch.autocast("cuda",
// dtype=torch.bfloat16)` blocks: matrix products run in bfloat16 while parameters, optimiser
// state and reductions stay in float32. On CPU (or when not enabled) it does nothing, so the
// same training code runs in CI.
#pragma once

#include <torch/torch.h>

#include <optional>

namespace amem::device {

// This thread's CUDA autocast switch and dtype. Autocast is per thread, and autograd runs a
// CUDA backward on its own threads: code that re-runs a forward there (activation
// checkpointing's recomputation, layers/activation_checkpoint.h) takes the forward's state along.
struct CudaAutocastState {
  bool enabled = false;
  at::ScalarType dtype = at::kBFloat16;
  static CudaAutocastState current();
};

// Sets a CUDA autocast state for a scope as torch.autocast does (the nesting counted; leaving
// the outermost scope drops the cached casts) and restores the previous one at its end.
class CudaAutocastScope {
 public:
  explicit CudaAutocastScope(const CudaAutocastState& state);
  ~CudaAutocastScope();
  CudaAutocastScope(const CudaAutocastScope&) = delete;
  CudaAutocastScope& operator=(const CudaAutocastScope&) = delete;

 private:
  CudaAutocastState previous_;
};

class Bf16Autocast {
 public:
  // Active when `enabled` and `device` is a CUDA device.
  Bf16Autocast(bool enabled, const torch::Device& device);

 private:
  std::optional<CudaAutocastScope> scope_;
};

}  // namespace amem::device
