// One small MLP per token position, applied to a sequence of N tokens:
//   out[:, i] = skip_i(x[:, i]) + W2_i · act(W1_i · LayerNorm_i(x[:, i]) + b1_i) + b2_i
// with skip_i a linear map when the input and output widths differ and the identity when they
// agree. MAC reads each learned-query output of a T5 decoder through its own MLP (tanh), and
// turns each repeated modulation token into one prefix key or value through its own MLP (GELU).
//
// The N MLPs are stored stacked ([N, in, out] weights) and applied with batched matrix
// products: MAC has up to a few hundred of them (2 prefix tokens x 48 layers x key/value for
// gpt2-xl), and one batched product per layer replaces hundreds of tiny kernel launches.
// Each token's weights start as a torch::nn::Linear / LayerNorm of the same shape would.
#pragma once

#include <torch/torch.h>

#include "amem/layers/activation.h"

namespace amem::layers {

struct TokenMlpBankOptions {
  int64_t num_tokens = 0;
  int64_t in = 0, hidden = 0, out = 0;
  Activation activation;
};

class TokenMlpBankImpl : public torch::nn::Module {
 public:
  explicit TokenMlpBankImpl(const TokenMlpBankOptions& options);

  // x: [B, num_tokens, in] -> [B, num_tokens, out].
  torch::Tensor forward(const torch::Tensor& x);

  const TokenMlpBankOptions& options() const { return options_; }

  torch::Tensor norm_weight, norm_bias;      // [N, in]
  torch::Tensor hidden_weight, hidden_bias;  // [N, in, hidden], [N, hidden]
  torch::Tensor output_weight, output_bias;  // [N, hidden, out], [N, out]
  torch::Tensor skip_weight, skip_bias;      // [N, in, out], [N, out]; undefined when in == out

 private:
  TokenMlpBankOptions options_;
};
TORCH_MODULE(TokenMlpBank);

}  // namespace amem::layers
