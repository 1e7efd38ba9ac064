// The feed-forward activations of the supported families, looked up by the name their
// Hugging Face config uses (GPT-2 `activation_function`, LLaMA `hidden_act`, T5
// `feed_forward_proj` after its "gated-" part is split off).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

namespace amem::layers {

using Activation = std::function<torch::Tensor(const torch::Tensor&)>;

// "relu", "gelu" (erf), "gelu_new" / "gelu_pytorch_tanh" (tanh approximation), "silu" / "swish".
// Throws amem::Error naming `field` (e.g. "<dir>/config.json: key 'hidden_act'") otherwise: the
// name comes from a checkpoint's config.json, a bad input file (exit 1).
Activation activation_by_name(const std::string& name, const std::string& field);

}  // namespace amem::layers
