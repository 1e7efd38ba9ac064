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
#pragma once

#include <torch/torch.h>

#include <vector>

namespace amem::train {

class CapturableAdamW {
 public:
  // `optimizer`: one parameter group (amem's training loop makes one), no amsgrad. Throws
  // std::invalid_argument otherwise. The optimiser must outlive this object.
  explicit CapturableAdamW(torch::optim::AdamW& optimizer);

  // Host side, before each update and outside any recording: reads the step count the state
  // has reached (the same for every parameter that has state, else amem::Error) and writes the
  // group's current learning rate (set by LrSchedule::apply) into the device tensor update()
  // reads.
  void prepare();
  // Device side: one AdamW step of every parameter with a gradient, from the device's step
  // count and learning rate. Issues no host synchronisation, so a graph can record it once every
  // parameter has state (the first update, eager, creates it as AdamW does: zero moments).
  void update();
  // Host side, after each update() ran (eagerly or as a replay): the state's step counts.
  void count_step();

 private:
  torch::optim::AdamW& optimizer_;
  std::vector<torch::Tensor> params_;
  torch::Tensor step_;  // float64 [] on the parameters' device: updates taken, incremented by update()
  torch::Tensor lr_;    // float64 []: the group's learning rate
};

}  // namespace amem::train
