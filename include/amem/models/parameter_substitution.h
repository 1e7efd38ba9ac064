// Runs a model's own forward with other tensors in place of some of its parameters — the
// "functional" call that meta-learning needs: CaMeLS evaluates the base LM at θ − lr·∇L(θ), a
// tensor that is a function of the weight model's output, without copying the model.
//
// While a ParameterSubstitution lives, each named parameter member (the tensors that Linear,
// Embedding, LayerNorm, Gpt2Conv1D, RMSNorm and TokenMlpBank read in their forward) points at
// the replacement tensor; the destructor points it back. train.bf16_working_weights uses it
// too, to compute with bfloat16 copies (train/bf16_working_weights.h). The registered
// parameters themselves (module.parameters(), optimisers, checkpoints) are untouched, so the
// same forward code serves normal and substituted calls. Not thread-safe: one substitution per model at a time.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace amem::models {

class ParameterSubstitution {
 public:
  // `replacements`: parameter name (as module.named_parameters() spells it) -> tensor of the
  // same shape. A name that is not a parameter member of a known module kind, or a tensor of
  // another shape, is an amem::Error naming it (nothing is substituted then).
  ParameterSubstitution(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& replacements);
  ~ParameterSubstitution();
  ParameterSubstitution(const ParameterSubstitution&) = delete;
  ParameterSubstitution& operator=(const ParameterSubstitution&) = delete;

 private:
  std::vector<std::pair<torch::Tensor*, torch::Tensor>> originals_;  // member, its own tensor
};

}  // namespace amem::models
