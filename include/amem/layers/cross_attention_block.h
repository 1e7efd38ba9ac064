// A pre-norm transformer block whose attention reads another sequence (MAC's aggregation
// network: question tokens attending to the memory of amortized contexts):
//   x = x + Out(Attention(Q · LN1(x), K · LNc(m), V · LNc(m)))
//   x = x + MLP(LN2(x)),   MLP = Linear, GELU, Dropout, Linear, Dropout
// The memory side has its own LayerNorm. Queries, keys and values project to heads x head_dim
// without bias; the MLP's hidden width is heads x head_dim when that is narrower than the
// model, the model width otherwise (as MAC's reference block).
#pragma once

#include <torch/torch.h>

namespace amem::layers {

struct CrossAttentionBlockOptions {
  int64_t dim = 0;          // query (and output) width
  int64_t memory_dim = 0;   // width of the sequence attended to
  int64_t heads = 8;
  int64_t head_dim = 96;
  double dropout = 0.0;     // after the attention output and in the MLP
};

class CrossAttentionBlockImpl : public torch::nn::Module {
 public:
  explicit CrossAttentionBlockImpl(const CrossAttentionBlockOptions& options);

  // x: [B, Q, dim]; memory: [Bm, M, memory_dim] with Bm = B (one memory per row) or 1 (one
  // memory every row reads, normalised and projected once). Returns [B, Q, dim].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& memory);

 private:
  CrossAttentionBlockOptions options_;
  torch::nn::LayerNorm norm_query{nullptr}, norm_memory{nullptr}, norm_mlp{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, to_out{nullptr};
  torch::nn::Linear mlp_in{nullptr}, mlp_out{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(CrossAttentionBlock);

}  // namespace amem::layers
