// Activation checkpointing: run part of a network without keeping its intermediate tensors for
// backward, and recompute them when backward reaches it (Chen et al. 2016, "Training Deep Nets
// with Sublinear Memory Cost"; what torch.utils.checkpoint does, in its reentrant form, which
// LibTorch's C++ frontend lacks). Memory for the part falls to its inputs; the cost is one more
// forward of it during backward.
//
// It is a torch::autograd::Function: the forward runs the function with gradients off and saves
// only the inputs; the backward re-runs it with gradients on and differentiates the
// recomputation (torch::autograd::grad) with respect to the inputs and the parameters, which are
// the Function's inputs too, so their gradients reach autograd as any other node's (hooks,
// gradient accumulation and data-parallel all-reduce see nothing different).
//
// The recomputation must compute what the forward did:
// - random numbers: the CPU generator's state, and that of the first input's CUDA device, are
//   saved before the forward and set back for the recomputation, then the states of the moment
//   are restored, so dropout draws the same masks and the stream continues as if no
//   recomputation happened (torch.utils.checkpoint's preserve_rng_state);
// - autocast: the recomputation runs under the forward's CUDA autocast state (backward runs on
//   other threads, and usually outside the autocast scope);
// - autocast's weight-cast cache is off in both: a cast cached by the no-grad forward would
//   otherwise be handed, without its link to the weight, to a later forward with gradients in
//   the same autocast scope.
// The function must depend only on its inputs, parameters and the generators (module state such
// as train/eval mode must not change between forward and backward), and return one tensor.
// No double backward (create_graph) through it.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace amem::layers {

using CheckpointedFunction = std::function<torch::Tensor(const std::vector<torch::Tensor>& inputs)>;

// function(inputs), checkpointed. `parameters`: the tensors the function reads besides its
// inputs that may need gradients (a module's parameters(); one it leaves unused gets none).
// With gradients off, or nothing requiring them, it is function(inputs) with nothing saved.
// Gradients equal those of function(inputs) run plainly (bit for bit on CPU in float32:
// tests/layers/activation_checkpoint_test.cpp).
torch::Tensor checkpoint(const CheckpointedFunction& function, const std::vector<torch::Tensor>& inputs,
                         const std::vector<torch::Tensor>& parameters);

}  // namespace amem::layers
