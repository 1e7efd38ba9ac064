// Building layers without their random initialisation, for modules whose every parameter is
// about to be overwritten from a checkpoint (what transformers does with `no_init_weights` and
// `init_empty_weights` in modeling_utils.py before `from_pretrained` fills a model).
//
// While a SkipInitGuard lives on this thread, the builders below allocate each large parameter
// uninitialised (torch::empty) directly in the guard's dtype and on its device: no float32 copy
// in host memory and no initialisation pass. The guard also restores the CPU generator's state
// when it ends, so building under it draws no random numbers. Without a guard the builders make
// exactly what LibTorch's constructors make (same values, same random draws), so models built
// to be trained from scratch are unchanged.
//
// Modules that allocate through new_parameter (GPT-2's Conv1D and layers::LayerNorm among them)
// are covered too. Other small parameters (RMSNorm's weight, torch::nn::LayerNorm's) are built
// as usual and replaced by the loader (models::load_weights), which costs nothing noticeable.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>

namespace amem::layers {

class SkipInitGuard {
 public:
  // `options`: the dtype and device parameters are allocated in.
  explicit SkipInitGuard(torch::TensorOptions options);
  ~SkipInitGuard();
  SkipInitGuard(const SkipInitGuard&) = delete;
  SkipInitGuard& operator=(const SkipInitGuard&) = delete;

 private:
  std::optional<torch::TensorOptions> previous_;
  torch::Tensor generator_state_;
};

// The innermost live guard's options on this thread; none without a guard.
std::optional<torch::TensorOptions> skip_init_options();

// `initialised()` without a guard; an uninitialised tensor of `shape` in the guard's options
// under one.
torch::Tensor new_parameter(c10::IntArrayRef shape, const std::function<torch::Tensor()>& initialised);

// torch::nn::Linear / Embedding of these sizes, initialised by LibTorch's reset() without a
// guard, uninitialised under one (their options still state the true sizes).
torch::nn::Linear linear(int64_t in, int64_t out, bool bias);
torch::nn::Embedding embedding(int64_t count, int64_t dim);

}  // namespace amem::layers
