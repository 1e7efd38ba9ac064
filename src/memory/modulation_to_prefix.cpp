#include "amem/memory/modulation_to_prefix.h"

#include <string>

#include "amem/core/error.h"

namespace amem::memory {

ModulationToPrefixImpl::ModulationToPrefixImpl(const ModulationToPrefixOptions& options) : options_(options) {
  const auto& lm = options.lm;
  const int64_t prefix_tokens = options.tokens_per_layer * lm.num_layers * 2;
  if (options.num_tokens < 1 || options.num_tokens > prefix_tokens) {
    throw ConfigError("mac.num_virtual_tokens: expected 1 to layer_num_virtual_tokens x 2 x layers = " +
                      std::to_string(prefix_tokens) + ", got " + std::to_string(options.num_tokens));
  }
  const int64_t per_token = prefix_tokens / options.num_tokens, extra = prefix_tokens % options.num_tokens;
  auto repeats = torch::full({options.num_tokens}, per_token, torch::kLong);
  repeats.slice(0, 0, extra).add_(1);
  source_token_ = torch::arange(options.num_tokens).repeat_interleave(repeats);
  token_mlps = register_module(
      "token_mlps", layers::TokenMlpBank(layers::TokenMlpBankOptions{
                        prefix_tokens, options.modulation_dim, options.mlp_hidden, lm.num_kv_heads * lm.head_dim,
                        [](const torch::Tensor& x) { return torch::gelu(x); }}));
}

models::Prefix ModulationToPrefixImpl::forward(const torch::Tensor& modulation, torch::ScalarType dtype) {
  const auto& lm = options_.lm;
  const int64_t batch = modulation.size(0), layers = lm.num_layers;
  // An index (not repeat_interleave on the device) so that no host synchronisation is needed.
  if (source_token_.device() != modulation.device()) source_token_ = source_token_.to(modulation.device());
  const auto repeated = modulation.index_select(1, source_token_);
  // [B, P x L x 2, Hkv x D] -> [L x 2, B, Hkv, P, D]
  const auto kv = token_mlps(repeated)
                      .view({batch, options_.tokens_per_layer, layers * 2, lm.num_kv_heads, lm.head_dim})
                      .permute({2, 0, 3, 1, 4})
                      .to(dtype);
  models::Prefix prefix;
  for (int64_t l = 0; l < layers; ++l) {
    prefix.keys.push_back(kv[2 * l]);
    prefix.values.push_back(kv[2 * l + 1]);
  }
  return prefix;
}

}  // namespace amem::memory
