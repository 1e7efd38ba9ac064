// Turning a modulation [T, d] into the P-tuning v2 prefix of the frozen base LM: P key and P
// value vectors for each of its L layers, P = tokens_per_layer.
//
// The T modulation tokens are repeated in order to A = P x L x 2 tokens (each token r = A / T
// times, the first A mod T tokens once more) and each of the A goes through its own residual
// MLP (LayerNorm, Linear, GELU, Linear; layers::TokenMlpBank) to num_kv_heads x head_dim. Token
// a = (p x L + l) x 2 + k is position p of layer l's keys (k = 0) or values (k = 1), as in the
// reference.
#pragma once

#include <torch/torch.h>

#include "amem/layers/token_mlp_bank.h"
#include "amem/models/causal_lm.h"
#include "amem/models/kv_cache.h"

namespace amem::memory {

struct ModulationToPrefixOptions {
  int64_t num_tokens = 0;        // T, the modulation's tokens
  int64_t modulation_dim = 0;    // d
  int64_t tokens_per_layer = 2;  // P
  int64_t mlp_hidden = 768;
  models::CausalLmShape lm;      // layers, key/value heads and head width of the base LM
};

class ModulationToPrefixImpl : public torch::nn::Module {
 public:
  // Throws amem::ConfigError when T exceeds P x L x 2 (a token would reach no layer).
  explicit ModulationToPrefixImpl(const ModulationToPrefixOptions& options);

  // modulation [B, T, d] -> prefix with B rows, each [B, kv_heads, P, head_dim], in `dtype`
  // (the base LM's: gradients flow through the cast).
  models::Prefix forward(const torch::Tensor& modulation, torch::ScalarType dtype);

  layers::TokenMlpBank token_mlps{nullptr};

 private:
  ModulationToPrefixOptions options_;
  torch::Tensor source_token_;  // [P x L x 2]: the modulation token each prefix token repeats
};
TORCH_MODULE(ModulationToPrefix);

}  // namespace amem::memory
