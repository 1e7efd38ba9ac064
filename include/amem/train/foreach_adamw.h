// AdamW whose update runs on tensor lists (LibTorch's _foreach_* kernels) instead of one
// parameter at a time: the same arithmetic as torch::optim::AdamW::step (libtorch
// torch/csrc/api/src/optim/adamw.cpp, 1.13 and 2.x alike), so the saved state (AdamWParamState:
// step, exp_avg, exp_avg_sq) is the same and checkpoints move between the two. Why: a MAC step
// holds ~850 parameter tensors, and the per-parameter loop launches ~8 small kernels for each;
// on a GPU that launch overhead, not arithmetic, set the optimiser's cost (issue 16, item 2's
// profile: clipping + AdamW ~0.1 s of a 0.5 s gpt2-xl step).
//
// Numerics: on CPU the foreach kernels fall back to the per-tensor ops, so the update is bit for
// bit torch::optim::AdamW's (tests/train/foreach_adamw_test.cpp). On CUDA the multi-tensor
// kernels may round a division by a scalar differently (reciprocal-multiply vs divide): last-bit
// differences, measured by scripts/device/profile_mac.sh. Chosen by train.foreach_optimizer
// (default false: the per-parameter loop).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace amem::train {

class ForeachAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  // One AdamW step for every parameter with a gradient. AMSGrad is not supported (amem never
  // sets it): std::logic_error if the options ask for it.
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// torch::nn::utils::clip_grad_norm_ (2-norm) computed with _foreach_norm over the gradients:
// the total norm of all gradients, scaled in place by min(1, max_norm / (norm + 1e-6)) as
// LibTorch does. Returns the total norm before clipping (0 when no parameter has a gradient).
double clip_grad_norm_foreach(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace amem::train
