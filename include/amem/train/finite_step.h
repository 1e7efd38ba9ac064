// The guard every gradient step runs (the fine-tuning baselines' document steps, CaMeLS's
// online step, the QA light-tune, the training loop): a step whose loss, or whose updated
// weights, hold NaN or Inf must stop the run, not go on to answer "!!!!…" and report EM/F1.
//
// Cheap by construction: one finiteness reduction per tensor on its own device, stacked, and a
// single host sync per step; only when that finds something is each tensor looked at again to
// name it.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace amem::train {

// Whether every element of every tensor is finite (one host sync; undefined tensors skipped).
bool all_finite(const std::vector<torch::Tensor>& tensors);

// Throws amem::Error "<step>: the loss is nan" or "<step>: the updated weights are not finite
// (NaN or Inf in '<first such parameter>')" when the step's `loss` (a scalar, or undefined when
// there is none) or one of `updated` (the parameters the step changed, by name) is not finite.
// `step` says which step, e.g. "document 'line 4': uniform fine-tuning step 1 of 1".
void check_finite_step(const std::string& step, const torch::Tensor& loss,
                       const std::vector<std::pair<std::string, torch::Tensor>>& updated);

}  // namespace amem::train
