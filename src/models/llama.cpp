#include "amem/models/llama.h"

#include <cmath>

#include "amem/layers/attention.h"
#include "amem/layers/skip_init.h"
#include "amem/models/config_shape_check.h"

namespace amem::models {

namespace {

layers::RopeScaling rope_scaling_from(const HfConfig& c, const nlohmann::json& spec, const std::string& key) {
  layers::RopeScaling s;
  if (spec.is_null()) return s;
  if (!spec.is_object()) c.fail(key, "expected an object");
  const HfConfig sub(spec, c.path());
  s.type = sub.string("rope_type", sub.string("type", "default"));
  if (s.type == "default") return s;
  if (s.type != "linear" && s.type != "llama3")
    c.fail(key, "rope type '" + s.type + "' is not supported (expected default, linear or llama3)");
  s.factor = sub.positive_number("factor");
  if (s.type == "llama3") {
    s.low_freq_factor = sub.positive_number("low_freq_factor");
    s.high_freq_factor = sub.positive_number("high_freq_factor");
    s.original_max_position_embeddings = sub.integer("original_max_position_embeddings");
  }
  return s;
}

}  // namespace

LlamaConfig LlamaConfig::from(const HfConfig& c) {
  LlamaConfig l;
  const std::string model_type = c.string("model_type", "llama");
  l.vocab_size = c.positive_integer("vocab_size");
  l.hidden_size = c.positive_integer("hidden_size");
  l.intermediate_size = c.positive_integer("intermediate_size");
  l.num_hidden_layers = c.positive_integer("num_hidden_layers");
  l.num_attention_heads = c.positive_integer("num_attention_heads");
  l.num_key_value_heads =
      c.has("num_key_value_heads") ? c.positive_integer("num_key_value_heads") : l.num_attention_heads;
  if (!c.has("head_dim") && l.hidden_size % l.num_attention_heads != 0)
    c.fail("num_attention_heads", "must divide hidden_size when head_dim is not given");
  l.head_dim = c.has("head_dim") ? c.positive_integer("head_dim") : l.hidden_size / l.num_attention_heads;
  // Rotary embeddings turn pairs of dimensions (rotate_half splits each head in two halves).
  if (l.head_dim % 2 != 0) c.fail("head_dim", "must be even for rotary position embeddings");
  l.max_position_embeddings = c.positive_integer("max_position_embeddings");
  l.rms_norm_eps = c.positive_number("rms_norm_eps", 1e-6);
  l.hidden_act = c.string("hidden_act", "silu");
  layers::activation_by_name(l.hidden_act, c.path() + ": key 'hidden_act'");  // known, or the error
  l.tie_word_embeddings = c.boolean("tie_word_embeddings", false);
  l.mlp_bias = c.boolean("mlp_bias", false);
  l.attention_bias = model_type == "qwen2" || c.boolean("attention_bias", false);
  l.o_proj_bias = model_type != "qwen2" && c.boolean("attention_bias", false);
  if (l.num_attention_heads % l.num_key_value_heads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  if (c.has("rope_parameters")) {  // transformers 5
    const auto& p = c.json().at("rope_parameters");
    l.rope_theta = HfConfig(p, c.path()).positive_number("rope_theta", 10000.0);
    l.rope_scaling = rope_scaling_from(c, p, "rope_parameters");
  } else {
    l.rope_theta = c.positive_number("rope_theta", 10000.0);
    l.rope_scaling = rope_scaling_from(c, c.has("rope_scaling") ? c.json().at("rope_scaling") : nullptr,
                                       "rope_scaling");
  }
  if (c.boolean("use_sliding_window", false)) c.fail("use_sliding_window", "true is not supported");
  return l;
}

void LlamaConfig::check_shapes(const HfConfig& c, const io::SafetensorsCheckpoint& checkpoint) const {
  ConfigShapeCheck check(c.path(), checkpoint);
  check.size("vocab_size", vocab_size, "model.embed_tokens.weight", 0);
  check.size("hidden_size", hidden_size, "model.embed_tokens.weight", 1);
  check.blocks("num_hidden_layers", num_hidden_layers, "model.layers.");
  check.size("intermediate_size", intermediate_size, "model.layers.0.mlp.gate_proj.weight", 0);
  check.product("num_attention_heads", num_attention_heads, "head_dim", head_dim,
                "model.layers.0.self_attn.q_proj.weight", 0);
  check.product("num_key_value_heads", num_key_value_heads, "head_dim", head_dim,
                "model.layers.0.self_attn.k_proj.weight", 0);
  if (!tie_word_embeddings) check.size("vocab_size", vocab_size, "lm_head.weight", 0);
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaConfig& c, size_t index)
    : index_(index),
      heads_(c.num_attention_heads),
      kv_heads_(c.num_key_value_heads),
      head_dim_(c.head_dim),
      act_(layers::activation_by_name(c.hidden_act, "config.json: hidden_act")) {
  using layers::linear;
  const int64_t E = c.hidden_size;
  input_layernorm = register_module("input_layernorm", layers::RMSNorm(E, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", layers::RMSNorm(E, c.rms_norm_eps));
  q_proj = linear(E, heads_ * head_dim_, c.attention_bias);
  k_proj = linear(E, kv_heads_ * head_dim_, c.attention_bias);
  v_proj = linear(E, kv_heads_ * head_dim_, c.attention_bias);
  o_proj = linear(heads_ * head_dim_, E, c.o_proj_bias);
  gate_proj = linear(E, c.intermediate_size, c.mlp_bias);
  up_proj = linear(E, c.intermediate_size, c.mlp_bias);
  down_proj = linear(c.intermediate_size, E, c.mlp_bias);
  auto self_attn = register_module("self_attn", torch::nn::ModuleDict());
  self_attn->update({{"q_proj", q_proj.ptr()}, {"k_proj", k_proj.ptr()},
                     {"v_proj", v_proj.ptr()}, {"o_proj", o_proj.ptr()}});
  auto mlp = register_module("mlp", torch::nn::ModuleDict());
  mlp->update({{"gate_proj", gate_proj.ptr()}, {"up_proj", up_proj.ptr()}, {"down_proj", down_proj.ptr()}});
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& bias,
                                             const torch::Tensor& positions,
                                             layers::RotaryEmbedding& rope, KvCache* cache) {
  const int64_t B = x.size(0), L = x.size(1);
  auto h = input_layernorm(x);
  auto heads = [&](const torch::Tensor& t, int64_t n) { return t.view({B, L, n, head_dim_}).transpose(1, 2); };
  auto q = heads(q_proj(h), heads_), k = heads(k_proj(h), kv_heads_), v = heads(v_proj(h), kv_heads_);
  // Only the new positions are rotated; cached keys (and prefix keys) are used as stored.
  std::tie(q, k) = rope(q, k, positions);
  if (cache) std::tie(k, v) = cache->append(index_, k, v);
  auto a = layers::attention(q, k, v, bias, 1.0 / std::sqrt(double(head_dim_)));
  auto out = x + o_proj(a.transpose(1, 2).reshape({B, L, heads_ * head_dim_}));
  auto f = post_attention_layernorm(out);
  return out + down_proj(act_(gate_proj(f)) * up_proj(f));
}

CausalLmShape LlamaConfig::shape() const {
  return {vocab_size, hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
          head_dim, max_position_embeddings};
}

LlamaForCausalLm::LlamaForCausalLm(const LlamaConfig& config) : config_(config) {
  shape_ = config.shape();
  embed_tokens = layers::embedding(config.vocab_size, config.hidden_size);
  auto layer_list = torch::nn::ModuleList();
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    layers_.push_back(LlamaDecoderLayer(config, size_t(i)));
    layer_list->push_back(layers_.back());
  }
  norm = layers::RMSNorm(config.hidden_size, config.rms_norm_eps);
  auto model = register_module("model", torch::nn::ModuleDict());
  model->update({{"embed_tokens", embed_tokens.ptr()}, {"layers", layer_list.ptr()}, {"norm", norm.ptr()}});
  rope_ = layers::RotaryEmbedding(config.head_dim, config.rope_theta, config.rope_scaling);
  if (!config.tie_word_embeddings)
    lm_head = register_module("lm_head", layers::linear(config.hidden_size, config.vocab_size, /*bias=*/false));
}

torch::Tensor LlamaForCausalLm::hidden_states(const torch::Tensor& input_ids,
                                              const torch::Tensor& attention_mask,
                                              const torch::Tensor& position_ids, KvCache* cache) {
  const auto in = resolve_inputs(input_ids, attention_mask, position_ids, cache, shape_);
  auto x = embed_tokens(input_ids);
  const auto bias = layers::attention_bias(in.attention_mask, input_ids.size(1), /*causal=*/true,
                                           x.scalar_type());
  for (auto& layer : layers_) x = layer(x, bias, in.position_ids, rope_, cache);
  return norm(x);
}

torch::Tensor LlamaForCausalLm::forward(const torch::Tensor& input_ids,
                                        const torch::Tensor& attention_mask,
                                        const torch::Tensor& position_ids, KvCache* cache) {
  auto h = hidden_states(input_ids, attention_mask, position_ids, cache);
  return logits_of(h, lm_head ? lm_head->weight : embed_tokens->weight);
}

}  // namespace amem::models
