#include "amem/models/t5_stack.h"

#include "amem/layers/activation.h"
#include "amem/layers/activation_checkpoint.h"
#include "amem/layers/attention.h"

namespace amem::models {

namespace {

torch::nn::Linear linear(int64_t in, int64_t out) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

}  // namespace

// ---- attention

T5AttentionImpl::T5AttentionImpl(const T5Config& config, bool has_relative_bias, bool bidirectional)
    : heads_(config.num_heads), d_kv_(config.d_kv), dropout_(config.dropout_rate) {
  const int64_t inner = config.num_heads * config.d_kv;
  q = register_module("q", linear(config.d_model, inner));
  k = register_module("k", linear(config.d_model, inner));
  v = register_module("v", linear(config.d_model, inner));
  o = register_module("o", linear(inner, config.d_model));
  if (has_relative_bias)
    relative_attention_bias =
        register_module("relative_attention_bias",
                        layers::RelativePositionBias(config.relative_attention_num_buckets,
                                                     config.relative_attention_max_distance,
                                                     config.num_heads, bidirectional));
}

torch::Tensor T5AttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, d_kv_}).transpose(1, 2);
}

torch::Tensor T5AttentionImpl::project_keys(const torch::Tensor& x) { return split_heads(k(x)); }

torch::Tensor T5AttentionImpl::project_values(const torch::Tensor& x) { return split_heads(v(x)); }

torch::Tensor T5AttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& keys,
                                       const torch::Tensor& values, const torch::Tensor& bias) {
  auto out = layers::attention(split_heads(q(hidden)), keys, values, bias, /*scale=*/1.0,
                               is_training() ? dropout_ : 0.0);
  out = out.transpose(1, 2).reshape({hidden.size(0), hidden.size(1), heads_ * d_kv_});
  return o(out);
}

// ---- attention sub-layer

T5AttentionLayerImpl::T5AttentionLayerImpl(const T5Config& config, const std::string& name,
                                           bool has_relative_bias, bool bidirectional)
    : dropout_(config.dropout_rate) {
  attention = register_module(name, T5Attention(config, has_relative_bias, bidirectional));
  layer_norm =
      register_module("layer_norm", layers::RMSNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5AttentionLayerImpl::self_attend(const torch::Tensor& hidden,
                                                const torch::Tensor& bias, T5LayerCache* cache) {
  auto normed = layer_norm(hidden);
  auto keys = attention->project_keys(normed);
  auto values = attention->project_values(normed);
  if (cache) {
    if (cache->self_key.defined()) {
      keys = torch::cat({cache->self_key, keys}, 2);
      values = torch::cat({cache->self_value, values}, 2);
    }
    cache->self_key = keys;
    cache->self_value = values;
  }
  return hidden + torch::dropout(attention(normed, keys, values, bias), dropout_, is_training());
}

torch::Tensor T5AttentionLayerImpl::cross_attend(const torch::Tensor& hidden,
                                                 const torch::Tensor& encoder_hidden,
                                                 const torch::Tensor& bias, T5LayerCache* cache) {
  torch::Tensor keys, values;
  if (cache && cache->cross_key.defined()) {
    keys = cache->cross_key;
    values = cache->cross_value;
  } else {
    keys = attention->project_keys(encoder_hidden);
    values = attention->project_values(encoder_hidden);
    if (cache) {
      cache->cross_key = keys;
      cache->cross_value = values;
    }
  }
  return hidden + torch::dropout(attention(layer_norm(hidden), keys, values, bias), dropout_, is_training());
}

// ---- feed-forward sub-layer

T5FeedForwardLayerImpl::T5FeedForwardLayerImpl(const T5Config& config)
    : activation_(layers::activation_by_name(config.activation, "config.json: feed_forward_proj")),
      dropout_(config.dropout_rate) {
  auto dense = register_module("DenseReluDense", std::make_shared<torch::nn::Module>());
  if (config.gated_feed_forward) {
    wi_0_ = dense->register_module("wi_0", linear(config.d_model, config.d_ff));
    wi_1_ = dense->register_module("wi_1", linear(config.d_model, config.d_ff));
  } else {
    wi_ = dense->register_module("wi", linear(config.d_model, config.d_ff));
  }
  wo_ = dense->register_module("wo", linear(config.d_ff, config.d_model));
  layer_norm =
      register_module("layer_norm", layers::RMSNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5FeedForwardLayerImpl::forward(const torch::Tensor& hidden) {
  auto normed = layer_norm(hidden);
  auto inner = wi_ ? activation_(wi_(normed)) : activation_(wi_0_(normed)) * wi_1_(normed);
  inner = torch::dropout(inner, dropout_, is_training());
  return hidden + torch::dropout(wo_(inner), dropout_, is_training());
}

// ---- block

T5BlockImpl::T5BlockImpl(const T5Config& config, bool is_decoder, bool has_relative_bias) {
  auto layer = register_module("layer", torch::nn::ModuleList());
  self_attention =
      T5AttentionLayer(config, "SelfAttention", has_relative_bias, /*bidirectional=*/!is_decoder);
  layer->push_back(self_attention);
  if (is_decoder) {
    // Cross-attention has no position bias: encoder positions are not aligned with the decoder's.
    cross_attention = T5AttentionLayer(config, "EncDecAttention", false, false);
    layer->push_back(cross_attention);
  }
  feed_forward = T5FeedForwardLayer(config);
  layer->push_back(feed_forward);
}

torch::Tensor T5BlockImpl::forward(const torch::Tensor& hidden, const torch::Tensor& self_bias,
                                   const torch::Tensor& encoder_hidden,
                                   const torch::Tensor& cross_bias, T5LayerCache* cache) {
  auto h = self_attention->self_attend(hidden, self_bias, cache);
  if (cross_attention) h = cross_attention->cross_attend(h, encoder_hidden, cross_bias, cache);
  return feed_forward(h);
}

// ---- stack

T5StackImpl::T5StackImpl(const T5Config& config, bool is_decoder) : dropout_(config.dropout_rate) {
  auto block = register_module("block", torch::nn::ModuleList());
  const int64_t n = is_decoder ? config.num_decoder_layers : config.num_layers;
  for (int64_t i = 0; i < n; ++i) {
    blocks_.push_back(T5Block(config, is_decoder, /*has_relative_bias=*/i == 0));
    block->push_back(blocks_.back());
  }
  final_layer_norm_ = register_module("final_layer_norm",
                                      layers::RMSNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5StackImpl::encode(const torch::Tensor& embeds, const torch::Tensor& mask) {
  const int64_t len = embeds.size(1);
  auto& table = blocks_.front()->self_attention->attention->relative_attention_bias;
  const auto bias =
      table(len, len) + layers::attention_bias(mask, len, /*causal=*/false, embeds.scalar_type());
  auto h = torch::dropout(embeds, dropout_, is_training());
  for (auto& block : blocks_) {
    if (!checkpoint_blocks_) {
      h = block->forward(h, bias, torch::Tensor(), torch::Tensor(), nullptr);
      continue;
    }
    // Per block: the blocks' outputs are kept, their attention and feed-forward insides are not.
    const auto run = [impl = block.ptr()](const std::vector<torch::Tensor>& in) {
      return impl->forward(in[0], in[1], torch::Tensor(), torch::Tensor(), nullptr);
    };
    h = layers::checkpoint(run, {h, bias}, block->parameters());
  }
  return torch::dropout(final_layer_norm_(h), dropout_, is_training());
}

torch::Tensor T5StackImpl::decode(const torch::Tensor& embeds, const torch::Tensor& encoder_hidden,
                                  const torch::Tensor& encoder_mask, T5DecoderCache* cache) {
  if (cache && cache->empty()) cache->resize(blocks_.size());
  const int64_t past =
      cache && cache->front().self_key.defined() ? cache->front().self_key.size(2) : 0;
  const int64_t len = embeds.size(1), total = past + len;
  const auto dtype = embeds.scalar_type();
  auto& table = blocks_.front()->self_attention->attention->relative_attention_bias;
  // Only causality masks decoder keys: right padding of decoder inputs (as in padded labels)
  // never reaches the real positions before it.
  const auto all_keys = torch::ones(
      {embeds.size(0), total}, torch::TensorOptions().dtype(torch::kLong).device(embeds.device()));
  const auto self_bias = table(len, total) + layers::attention_bias(all_keys, len, true, dtype);
  const auto cross_bias = layers::attention_bias(encoder_mask, len, false, dtype);
  auto h = torch::dropout(embeds, dropout_, is_training());
  for (size_t i = 0; i < blocks_.size(); ++i)
    h = blocks_[i]->forward(h, self_bias, encoder_hidden, cross_bias,
                            cache ? &(*cache)[i] : nullptr);
  return torch::dropout(final_layer_norm_(h), dropout_, is_training());
}

}  // namespace amem::models
