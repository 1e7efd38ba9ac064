// The building blocks of T5: pre-norm attention and feed-forward sub-layers, the block that
// chains them, and the encoder / decoder stack of blocks.
//
// Modules are registered under the Hugging Face names (`block.0.layer.0.SelfAttention.q`,
// `block.0.layer.1.DenseReluDense.wi_0`, `final_layer_norm`, ...) so that
// models::load_weights fills them by name. The stacks take embeddings, not token ids: the
// embedding table (`shared`) belongs to the model that owns both stacks, and the decoder may be
// fed learned vectors instead of tokens.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "amem/layers/relative_position_bias.h"
#include "amem/layers/rms_norm.h"
#include "amem/models/t5_config.h"

namespace amem::models {

// What one decoder block keeps between generation steps. Tensors are [B, heads, len, d_kv].
struct T5LayerCache {
  torch::Tensor self_key, self_value;    // grow by the new positions at every step
  torch::Tensor cross_key, cross_value;  // projections of the encoder output, made once
};

// One entry per decoder block; start with an empty vector.
using T5DecoderCache = std::vector<T5LayerCache>;

// Multi-head attention without biases and without score scaling (T5's initialisation absorbs
// the 1/sqrt(d_kv)). The first block of each stack also owns the relative position table.
class T5AttentionImpl : public torch::nn::Module {
 public:
  T5AttentionImpl(const T5Config& config, bool has_relative_bias, bool bidirectional);

  // [B, L, d_model] -> [B, heads, L, d_kv] through the key / value projection.
  torch::Tensor project_keys(const torch::Tensor& x);
  torch::Tensor project_values(const torch::Tensor& x);

  // hidden: [B, Lq, d_model]; keys, values: [B, heads, Lk, d_kv]; bias: additive, broadcastable
  // to [B, heads, Lq, Lk]. Returns [B, Lq, d_model].
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& keys,
                        const torch::Tensor& values, const torch::Tensor& bias);

  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  layers::RelativePositionBias relative_attention_bias{nullptr};  // first block only

 private:
  torch::Tensor split_heads(const torch::Tensor& x) const;
  int64_t heads_;
  int64_t d_kv_;
  double dropout_;
};
TORCH_MODULE(T5Attention);

// layer_norm -> attention -> residual add. Registered as `SelfAttention` or `EncDecAttention`.
class T5AttentionLayerImpl : public torch::nn::Module {
 public:
  T5AttentionLayerImpl(const T5Config& config, const std::string& name, bool has_relative_bias,
                       bool bidirectional);

  // Self-attention over `hidden`; with a cache, its keys/values are appended to the cached ones.
  torch::Tensor self_attend(const torch::Tensor& hidden, const torch::Tensor& bias,
                            T5LayerCache* cache);
  // Attention from `hidden` to the encoder output; with a cache, its projections are made once.
  torch::Tensor cross_attend(const torch::Tensor& hidden, const torch::Tensor& encoder_hidden,
                             const torch::Tensor& bias, T5LayerCache* cache);

  T5Attention attention{nullptr};
  layers::RMSNorm layer_norm{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(T5AttentionLayer);

// layer_norm -> DenseReluDense -> residual add. DenseReluDense is wo(act(wi x)), or
// wo(act(wi_0 x) * wi_1 x) for the gated variants.
class T5FeedForwardLayerImpl : public torch::nn::Module {
 public:
  explicit T5FeedForwardLayerImpl(const T5Config& config);
  torch::Tensor forward(const torch::Tensor& hidden);

  layers::RMSNorm layer_norm{nullptr};

 private:
  torch::nn::Linear wi_{nullptr}, wi_0_{nullptr}, wi_1_{nullptr}, wo_{nullptr};
  std::function<torch::Tensor(const torch::Tensor&)> activation_;
  double dropout_;
};
TORCH_MODULE(T5FeedForwardLayer);

// One block: `layer.0` self-attention, (decoder) `layer.1` cross-attention, then feed-forward.
class T5BlockImpl : public torch::nn::Module {
 public:
  T5BlockImpl(const T5Config& config, bool is_decoder, bool has_relative_bias);

  // encoder_hidden / cross_bias / cache are used by decoder blocks only.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& self_bias,
                        const torch::Tensor& encoder_hidden, const torch::Tensor& cross_bias,
                        T5LayerCache* cache);

  T5AttentionLayer self_attention{nullptr};
  T5AttentionLayer cross_attention{nullptr};  // decoder only
  T5FeedForwardLayer feed_forward{nullptr};
};
TORCH_MODULE(T5Block);

// `block.N` and `final_layer_norm`. The relative position bias is computed once, by the first
// block's table, and shared by all blocks (with the attention mask already added).
class T5StackImpl : public torch::nn::Module {
 public:
  T5StackImpl(const T5Config& config, bool is_decoder);

  // Encoder. embeds: [B, L, d_model]; mask: [B, L], 1 for tokens, 0 for padding.
  torch::Tensor encode(const torch::Tensor& embeds, const torch::Tensor& mask);

  // Decoder, causal. embeds: [B, L, d_model] (token embeddings or learned vectors), placed
  // after the positions already in `cache` (nullptr: no cache, the sequence starts here).
  // encoder_mask: [B, Le] for encoder_hidden [B, Le, d_model]. Returns the final-normed
  // hidden states [B, L, d_model].
  torch::Tensor decode(const torch::Tensor& embeds, const torch::Tensor& encoder_hidden,
                       const torch::Tensor& encoder_mask, T5DecoderCache* cache);

  size_t num_blocks() const { return blocks_.size(); }

  // Activation checkpointing of the encoder (layers/activation_checkpoint.h): with gradients on,
  // encode() keeps each block's input alone and recomputes the block's inside during backward.
  // Same values and gradients (dropout included); less memory, one more forward of the blocks.
  // Off by default; decode() is never checkpointed.
  void set_activation_checkpointing(bool on) { checkpoint_blocks_ = on; }

 private:
  std::vector<T5Block> blocks_;
  bool checkpoint_blocks_ = false;
  layers::RMSNorm final_layer_norm_{nullptr};
  double dropout_;
};
TORCH_MODULE(T5Stack);

}  // namespace amem::models
