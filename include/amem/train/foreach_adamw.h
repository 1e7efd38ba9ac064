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
// (default false: the per-parameter loop) and train.optimizer_state_dtype (make_adamw).
//
// Memory: one list update holds a float32 temporary (the denominator) per parameter in it, so
// the parameters go through in lists of at most ForeachAdamWOptions::elements_per_update
// elements: the temporaries stay near that size instead of the networks' (~4 GiB for the
// gpt2-xl MAC networks' ~1B parameters, the likely cause of that step's peak growing from 30.5
// to 35.2 GiB at lift 0.25 when they went at once). Elementwise arithmetic: the split changes
// no value.
//
// bfloat16 moments (train.optimizer_state_dtype: bf16): exp_avg and exp_avg_sq are stored in
// bfloat16, half the float32 state's memory. Each update reads them converted to float32, runs
// the float32 arithmetic above (parameters and gradients stay float32), and stores the new
// moments rounded to nearest (even); the parameter update uses the unrounded float32 moments.
// This is torchao's single_param_adam (pytorch/ao torchao/optim/adam.py: `exp_avg.float()`,
// compute, `exp_avg.copy_(exp_avg_f32)`), whose stochastic rounding applies to bfloat16
// *parameters* only: amem's trained parameters are float32, and round-to-nearest draws no random
// numbers, so dropout's stream is the same as with float32 moments.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace amem::train {

struct ForeachAdamWOptions {
  // exp_avg / exp_avg_sq: kFloat32 (the parameter's dtype, as LibTorch's AdamW) or kBFloat16
  torch::ScalarType state_dtype = torch::kFloat32;
  // The largest list one update takes, in elements (a larger tensor goes alone); 1: one
  // parameter at a time, the per-parameter loop's memory and launches.
  int64_t elements_per_update = int64_t(1) << 25;  // 128 MiB of float32 per temporary list
};

class ForeachAdamW : public torch::optim::AdamW {
 public:
  // std::invalid_argument for a state dtype other than float32 or bfloat16, or
  // elements_per_update < 1.
  ForeachAdamW(std::vector<torch::Tensor> params, torch::optim::AdamWOptions options,
               ForeachAdamWOptions layout = {});
  // One AdamW step for every parameter with a gradient. AMSGrad is not supported (amem never
  // sets it): std::logic_error if the options ask for it.
  torch::Tensor step(LossClosure closure = nullptr) override;

  torch::ScalarType state_dtype() const { return layout_.state_dtype; }

 private:
  ForeachAdamWOptions layout_;
};

// train.foreach_optimizer and train.optimizer_state_dtype's optimiser: LibTorch's
// torch::optim::AdamW for (false, float32), as amem has always trained; otherwise ForeachAdamW,
// in lists (foreach) or one parameter at a time (bfloat16 moments without foreach).
std::unique_ptr<torch::optim::AdamW> make_adamw(std::vector<torch::Tensor> params, torch::optim::AdamWOptions options,
                                                bool foreach, torch::ScalarType state_dtype);

// The dtype `optimizer` (an AdamW) keeps `parameter`'s moments in: bfloat16 for a ForeachAdamW
// that rounds them, else the parameter's own (LibTorch's AdamW; float32 in amem).
torch::ScalarType adamw_state_dtype(const torch::optim::Optimizer& optimizer, const torch::Tensor& parameter);

// torch::nn::utils::clip_grad_norm_ (2-norm) computed with _foreach_norm over the gradients:
// the total norm of all gradients, scaled in place by min(1, max_norm / (norm + 1e-6)) as
// LibTorch does. Returns the total norm before clipping (0 when no parameter has a gradient).
double clip_grad_norm_foreach(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace amem::train
