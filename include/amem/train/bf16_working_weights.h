// train.bf16_working_weights: the trained networks' matrix-product weights kept as bfloat16
// working copies of their float32 (master) weights — mixed-precision training with master
// weights (Micikevicius et al., "Mixed Precision Training", ICLR 2018, §3.1; apex's O2) — for
// exactly the weights that bf16 autocast casts anyway.
//
// Why: under autocast every Linear / baddbmm weight is cast to bfloat16 in each forward, one
// kernel per tensor, and backward casts each bfloat16 gradient back (ToCopyBackward), one more
// per tensor in an unvectorised copy. Here each step casts all the weights in one batched
// kernel (at::_foreach_copy_) before the forward, and all the bfloat16 gradients into the
// float32 ones in one more after backward. On the gpt2-xl MAC step (T5-large + T5-base + the
// per-token MLP banks, ~1.5e9 copied weights, H200) the casts it removes took 8.9 ms of GPU
// time and its two batched copies take 5.7 ms: the replayed step went 0.176 -> 0.173 s. The
// rest of autocast's casts are of activations (T5's float32 residual stream), which it keeps.
//
// Which weights: a torch::nn::Linear's weight (at::linear), a Gpt2Conv1D's weight and bias
// (addmm) and a TokenMlpBank's product weights and biases (baddbmm) — tensors autocast's
// lower-precision list casts — when AdamW trains them, they are float32, and no other module
// reads them (a tied weight stays float32). A Linear's bias stays float32: at::linear may add
// it after the product (CPU autocast does, uncast). Norms, embeddings, position biases and
// learned queries keep float32, as under autocast.
//
// Numerics: the copies hold the values autocast's casts would produce (round to nearest even),
// each gradient is the bfloat16 one autograd computed, cast exactly, so the step is autocast's
// step: equal to the last bit where the kernels are deterministic (tests/train/
// bf16_working_weights_test.cpp). Checkpoints, validation and resume see only the float32
// weights. Needs train.bf16_autocast on CUDA (without autocast a float32 input would meet a
// bfloat16 weight), one process (the gradient all-reduce hooks the float32 weights), and a task
// that names its module (TrainingTask::trained_module: MAC and CMT).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "amem/models/parameter_substitution.h"

namespace amem::train {

class Bf16WorkingWeights {
 public:
  // `module`: the trained networks; `trained`: the tensors AdamW updates (only these get copies).
  // Allocates the copies (2 bytes per weight) on the weights' device.
  Bf16WorkingWeights(torch::nn::Module& module, const std::vector<torch::Tensor>& trained);

  // How many float32 weights have bfloat16 copies, their names (as module.named_parameters()
  // spells them) and their elements.
  size_t size() const { return masters_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  int64_t numel() const { return numel_; }

  // Casts the float32 weights into their copies (one batched kernel on CUDA). Call it after
  // every update and before the next forward: the step's first act.
  void refresh();

  // While the returned substitution lives, the modules compute with the copies. Hold it over a
  // micro-batch's forward and backward: activation checkpointing recomputes in backward.
  std::unique_ptr<models::ParameterSubstitution> substitute();

  // After a micro-batch's backward: the copies' bfloat16 gradients into the float32 weights'
  // gradients — copied on the step's first micro-batch (one batched kernel; a missing gradient
  // is allocated), added on the later ones, as autograd accumulates — then released. A weight
  // that got no gradient keeps the one it has, as under autograd.
  void gather_gradients(bool first_micro_batch);

 private:
  torch::nn::Module& module_;
  std::vector<std::string> names_;       // as module.named_parameters() spells them
  std::vector<torch::Tensor> masters_;   // the float32 weights (AdamW's)
  std::vector<torch::Tensor> copies_;    // their bfloat16 working copies, leaves requiring grad
  int64_t numel_ = 0;
};

}  // namespace amem::train
