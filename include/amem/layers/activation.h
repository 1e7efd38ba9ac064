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
// Throws amem::ConfigError naming `field` (e.g. "config.json: activation_function") otherwise.
Activation activation_by_name(const std::string& name, const std::string& field);

}  // namespace amem::layers
