// AdamW whose update reads the learning rate and the step count from device tensors, so that a
// CUDA graph can record it once and replay it every step (train.cuda_graph,
// graphed_training_step.h). The arithmetic is torch::optim::AdamW's — decoupled weight decay,
// bias-corrected moments — with the step count, bias corrections, step size and decay factor
// computed on the device in float64, as LibTorch computes them on the host; the parameters then
// agree with LibTorch's AdamW to float32 rounding (~1e-7 relative after several steps, from
// where the scalars are rounded). PyTorch's AdamW(capturable=True), torch/optim/adamw.py, keeps
// them in float32, where 1 - 0.999^t loses five digits (~1e-6 after a few steps).
//
// It updates the moments kept in the state of the torch::optim::AdamW it wraps (float32, or
// bfloat16 under train.optimizer_state_dtype=bf16, then computed in float32 and stored rounded,
// as ForeachAdamW) and advances that state's step counts on the host after each update, so that
// checkpoints save and resume the same state whichever optimiser took the steps.
//
// Fused (train.fused_optimizer): the update is LibTorch's at::_fused_adamw_ (the kernel behind
// torch.optim.AdamW(fused=True), aten/src/ATen/native/cuda/fused_adam_utils.cuh): one pass over
// each parameter's parameter, gradient and moments instead of ~10 elementwise kernels, with the
// step count and lr read from float32 device tensors and the bias corrections formed in float64
// inside the kernel. The arithmetic is AdamW's in another order (step_size * m / denom), so the
// parameters agree with LibTorch's AdamW to float32 rounding. Needs LibTorch >= 2.4 and moments
// in the parameters' dtype (not train.optimizer_state_dtype=bf16).
#pragma once

#include <torch/torch.h>

#include <vector>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define AMEM_HAS_FUSED_ADAMW 1
#endif

namespace amem::train {

class CapturableAdamW {
 public:
  // `optimizer`: one parameter group (amem's training loop makes one), no amsgrad. `fused`:
  // update with at::_fused_adamw_. Throws std::invalid_argument otherwise, or when `fused` and
  // this LibTorch has no fused kernel or the moments are kept in another dtype than the
  // parameters. The optimiser must outlive this object.
  explicit CapturableAdamW(torch::optim::AdamW& optimizer, bool fused = false);

  // Whether this build's LibTorch has the fused kernel (>= 2.4).
  static constexpr bool fused_available() {
#ifdef AMEM_HAS_FUSED_ADAMW
    return true;
#else
    return false;
#endif
  }

  // Host side, before each update of a graph step (GraphedTrainingStep) and outside any
  // recording: reads the step count the state has reached (the same for every parameter that has
  // state, else amem::Error: a graph advances one count for all) and writes it and the group's
  // current learning rate (set by LrSchedule::apply) into the device tensors update() reads.
  void prepare();
  // Device side: one AdamW step of every parameter with a gradient, from the device's step
  // count and learning rate. Issues no host synchronisation, so a graph can record it once every
  // parameter has state (the first update, eager, creates it as AdamW does: zero moments).
  // Fused and not recording, each parameter's count comes from its own state instead.
  // `grad_scale` (fused only; a [] float32 device tensor, or undefined for none): the kernel
  // divides each gradient by it as it reads it and stores the quotient back, as
  // torch.optim.AdamW(fused=True) unscales GradScaler's gradients; GraphedTrainingStep passes
  // gradient clipping's 1 / coefficient, which saves the separate pass over the gradients.
  // Unfused, a defined grad_scale is a std::logic_error.
  void update(const torch::Tensor& grad_scale = {});
  // Host side, after each update() ran (eagerly or as a replay): the state's step counts.
  void count_step();
  // One eager step (train.fused_optimizer outside a graph): the lr, update(), count_step().
  // Fused, parameters may be at different steps, as in LibTorch's AdamW (one that had no
  // gradient on some step is behind); otherwise prepare()'s rule holds.
  void step();

  // Whether updates run at::_fused_adamw_.
  bool fused() const { return fused_; }

 private:
  // p's AdamW state, made (zero moments) at its first update, which must be eager.
  torch::optim::AdamWParamState& state_of(const torch::Tensor& p);
  void fused_update(const torch::Tensor& grad_scale);

  torch::optim::AdamW& optimizer_;
  bool fused_;
  std::vector<torch::Tensor> params_;
  // [] on the parameters' device, float64 (float32 fused, as the kernel reads them): the updates
  // taken, set by prepare() and advanced by update() (fused: by a recorded update only), and the
  // group's learning rate.
  torch::Tensor step_;
  torch::Tensor lr_;
};

}  // namespace amem::train
