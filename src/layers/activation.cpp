#include "amem/layers/activation.h"

#include "amem/core/error.h"

namespace amem::layers {

Activation activation_by_name(const std::string& name, const std::string& field) {
  if (name == "relu") return [](const torch::Tensor& x) { return torch::relu(x); };
  if (name == "gelu") return [](const torch::Tensor& x) { return torch::gelu(x); };
  // GPT-2's "gelu_new" is the tanh approximation; PyTorch implements exactly that formula.
  if (name == "gelu_new" || name == "gelu_pytorch_tanh")
    return [](const torch::Tensor& x) { return torch::gelu(x, "tanh"); };
  if (name == "silu" || name == "swish") return [](const torch::Tensor& x) { return torch::silu(x); };
  throw Error(field + ": unknown activation '" + name +
                    "' (expected relu, gelu, gelu_new, gelu_pytorch_tanh, silu)");
}

}  // namespace amem::layers
