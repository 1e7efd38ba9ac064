// T5's relative position bias: instead of position embeddings, every attention score gets a
// learned per-head scalar chosen by the (bucketed) distance between key and query.
//
// Distances below half the buckets each get their own bucket; longer ones share buckets whose
// width grows logarithmically up to `max_distance`, beyond which all fall in the last bucket.
// The encoder is bidirectional (half of the buckets for keys before the query, half for keys
// after it); the decoder is causal and only distinguishes how far back a key lies.
#pragma once

#include <torch/torch.h>

namespace amem::layers {

// The bucket of each relative position (key position − query position), as a long tensor of
// the same shape.
torch::Tensor relative_position_bucket(const torch::Tensor& relative_position, bool bidirectional,
                                       int64_t num_buckets, int64_t max_distance);

// Holds the [num_buckets, heads] table as `weight`, so that a module registered under
// Hugging Face's name `relative_attention_bias` loads from `...relative_attention_bias.weight`.
class RelativePositionBiasImpl : public torch::nn::Module {
 public:
  RelativePositionBiasImpl(int64_t num_buckets, int64_t max_distance, int64_t heads,
                           bool bidirectional);

  // The additive bias [1, heads, q_len, k_len] for queries that are the last q_len of k_len
  // positions (q_len < k_len when earlier keys come from a decoding cache).
  torch::Tensor forward(int64_t q_len, int64_t k_len);

  torch::Tensor weight;

 private:
  int64_t num_buckets_;
  int64_t max_distance_;
  bool bidirectional_;
};
TORCH_MODULE(RelativePositionBias);

}  // namespace amem::layers
