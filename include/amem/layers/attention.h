// The attention step every model family shares: softmax(q·kᵀ·scale + bias) · v.
//
// What differs between families is decided by the caller: GPT-2 and LLaMA scale by
// 1/sqrt(head_dim) and pass a causal + padding mask; T5 does not scale (its initialisation
// absorbs the factor) and passes its relative position bias. Both arrive here as one additive
// float bias, broadcastable to [batch, heads, q_len, k_len], with -inf (or the dtype's lowest
// value) where attention is forbidden.
#pragma once

#include <torch/torch.h>

#include <optional>

namespace amem::layers {

// q: [B, H, Lq, D]; k, v: [B, Hkv, Lk, D] with H a multiple of Hkv (grouped-query attention:
// each group of H/Hkv query heads shares one key/value head). Returns [B, H, Lq, D].
//
// Uses at::scaled_dot_product_attention where LibTorch has it (2.x: fused kernels on CUDA),
// and the plain matmul-softmax path otherwise. Both compute the softmax in float32 when the
// inputs are half precision, as the reference implementations do.
// dropout_p > 0 drops attention probabilities (training; the caller passes 0 in eval mode).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const std::optional<torch::Tensor>& bias, double scale, double dropout_p = 0.0);

// While one lives, attention() on this thread takes the plain path: the fused kernels have no
// second derivative, and meta-learning (CaMeLS) backpropagates through a gradient step.
class TwiceDifferentiableAttention {
 public:
  TwiceDifferentiableAttention();
  ~TwiceDifferentiableAttention();
  TwiceDifferentiableAttention(const TwiceDifferentiableAttention&) = delete;
  TwiceDifferentiableAttention& operator=(const TwiceDifferentiableAttention&) = delete;

 private:
  bool previous_;
};

// Same maths, always the plain path: the reference that tests compare the fused path against.
torch::Tensor attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, const std::optional<torch::Tensor>& bias,
                                  double scale, double dropout_p = 0.0);

// Additive bias that forbids attending to padding and (when causal) to later positions.
//   key_mask: [B, Lk], 1 for real tokens (prefix tokens included), 0 for padding.
//   q_len:    number of query positions; they are the last q_len of the Lk keys, so query i
//             sees keys 0 .. Lk - q_len + i when causal.
// Returns [B, 1, q_len, Lk] in `dtype`, 0 where allowed and the dtype's lowest value elsewhere
// (lowest rather than -inf so that fully masked rows, e.g. left padding, give a uniform
// softmax instead of NaN — as Hugging Face does).
torch::Tensor attention_bias(const torch::Tensor& key_mask, int64_t q_len, bool causal,
                             torch::ScalarType dtype);

}  // namespace amem::layers
