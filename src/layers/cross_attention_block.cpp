#include "amem/layers/cross_attention_block.h"

#include <cmath>

#include "amem/layers/attention.h"

namespace amem::layers {

namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

torch::nn::LayerNorm layer_norm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}));
}

// [B, L, H * D] -> [B, H, L, D]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, -1}).transpose(1, 2);
}

}  // namespace

CrossAttentionBlockImpl::CrossAttentionBlockImpl(const CrossAttentionBlockOptions& options) : options_(options) {
  TORCH_CHECK(options.dim > 0 && options.memory_dim > 0 && options.heads > 0 && options.head_dim > 0,
              "CrossAttentionBlock: every size must be positive");
  const int64_t inner = options.heads * options.head_dim;
  const int64_t mlp_hidden = options.dim > inner ? inner : options.dim;
  norm_query = register_module("norm_query", layer_norm(options.dim));
  norm_memory = register_module("norm_memory", layer_norm(options.memory_dim));
  norm_mlp = register_module("norm_mlp", layer_norm(options.dim));
  to_q = register_module("to_q", linear(options.dim, inner, false));
  to_k = register_module("to_k", linear(options.memory_dim, inner, false));
  to_v = register_module("to_v", linear(options.memory_dim, inner, false));
  to_out = register_module("to_out", linear(inner, options.dim, true));
  mlp_in = register_module("mlp_in", linear(options.dim, mlp_hidden, true));
  mlp_out = register_module("mlp_out", linear(mlp_hidden, options.dim, true));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout));
}

torch::Tensor CrossAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& memory) {
  TORCH_CHECK(x.dim() == 3 && memory.dim() == 3 && (memory.size(0) == x.size(0) || memory.size(0) == 1),
              "CrossAttentionBlock: queries ", x.sizes(), " and memory ", memory.sizes(), " do not fit");
  const int64_t heads = options_.heads, batch = x.size(0);
  const auto m = norm_memory(memory);
  const auto q = split_heads(to_q(norm_query(x)), heads);
  // A shared memory is projected once and broadcast (a view) to every row.
  const auto k = split_heads(to_k(m), heads).expand({batch, heads, memory.size(1), options_.head_dim});
  const auto v = split_heads(to_v(m), heads).expand({batch, heads, memory.size(1), options_.head_dim});
  auto attended = attention(q, k, v, std::nullopt, 1.0 / std::sqrt(static_cast<double>(options_.head_dim)));
  attended = attended.transpose(1, 2).reshape({batch, x.size(1), heads * options_.head_dim});
  auto h = x + dropout(to_out(attended));
  return h + dropout(mlp_out(dropout(torch::gelu(mlp_in(norm_mlp(h))))));
}

}  // namespace amem::layers
