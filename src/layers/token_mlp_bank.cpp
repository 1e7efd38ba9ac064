#include "amem/layers/token_mlp_bank.h"

#include <cmath>

namespace amem::layers {

namespace {

// torch::nn::Linear's initialisation, U(-1/sqrt(in), 1/sqrt(in)) for weight and bias alike.
torch::Tensor linear_init(torch::IntArrayRef shape, int64_t in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  return torch::empty(shape).uniform_(-bound, bound);
}

// x [N, B, in] through N linear maps: [N, B, out].
torch::Tensor per_token_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return torch::baddbmm(bias.unsqueeze(1), x, weight);
}

}  // namespace

TokenMlpBankImpl::TokenMlpBankImpl(const TokenMlpBankOptions& options) : options_(options) {
  TORCH_CHECK(options.num_tokens > 0 && options.in > 0 && options.hidden > 0 && options.out > 0,
              "TokenMlpBank: every size must be positive");
  TORCH_CHECK(options.activation, "TokenMlpBank: no activation");
  const int64_t n = options.num_tokens, in = options.in, hidden = options.hidden, out = options.out;
  norm_weight = register_parameter("norm_weight", torch::ones({n, in}));
  norm_bias = register_parameter("norm_bias", torch::zeros({n, in}));
  hidden_weight = register_parameter("hidden_weight", linear_init({n, in, hidden}, in));
  hidden_bias = register_parameter("hidden_bias", linear_init({n, hidden}, in));
  output_weight = register_parameter("output_weight", linear_init({n, hidden, out}, hidden));
  output_bias = register_parameter("output_bias", linear_init({n, out}, hidden));
  if (in != out) {
    skip_weight = register_parameter("skip_weight", linear_init({n, in, out}, in));
    skip_bias = register_parameter("skip_bias", linear_init({n, out}, in));
  }
}

torch::Tensor TokenMlpBankImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(1) == options_.num_tokens && x.size(2) == options_.in,
              "TokenMlpBank: expected [B, ", options_.num_tokens, ", ", options_.in, "], got ", x.sizes());
  const auto tokens_first = x.transpose(0, 1);  // [N, B, in]: one batched product per layer
  auto normed = torch::layer_norm(tokens_first, {options_.in}) * norm_weight.unsqueeze(1) + norm_bias.unsqueeze(1);
  auto h = options_.activation(per_token_linear(normed, hidden_weight, hidden_bias));
  auto y = per_token_linear(h, output_weight, output_bias);
  y = y + (skip_weight.defined() ? per_token_linear(tokens_first, skip_weight, skip_bias) : tokens_first);
  return y.transpose(0, 1);
}

}  // namespace amem::layers
