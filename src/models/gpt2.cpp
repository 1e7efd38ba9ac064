#include "amem/models/gpt2.h"

#include <cmath>

#include "amem/core/error.h"
#include "amem/layers/attention.h"
#include "amem/layers/skip_init.h"
#include "amem/models/config_shape_check.h"

namespace amem::models {

Gpt2Config Gpt2Config::from(const HfConfig& c) {
  Gpt2Config g;
  g.vocab_size = c.positive_integer("vocab_size");
  g.n_positions = c.positive_integer("n_positions");
  g.n_embd = c.positive_integer("n_embd");
  g.n_layer = c.positive_integer("n_layer");
  g.n_head = c.positive_integer("n_head");
  g.n_inner = c.has("n_inner") ? c.positive_integer("n_inner") : 0;
  g.tie_word_embeddings = c.boolean("tie_word_embeddings", true);
  g.layer_norm_epsilon = c.positive_number("layer_norm_epsilon", 1e-5);
  g.activation_function = c.string("activation_function", "gelu_new");
  layers::activation_by_name(g.activation_function, c.path() + ": key 'activation_function'");  // known, or the error
  g.embd_pdrop = c.probability("embd_pdrop", 0.1);
  g.attn_pdrop = c.probability("attn_pdrop", 0.1);
  g.resid_pdrop = c.probability("resid_pdrop", 0.1);
  if (g.n_embd % g.n_head != 0) c.fail("n_head", "must divide n_embd");
  // Variants of the attention that the reference supports but no released GPT-2 uses.
  for (const char* unsupported : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn",
                                  "add_cross_attention"})
    if (c.boolean(unsupported, false)) c.fail(unsupported, "true is not supported");
  if (!c.boolean("scale_attn_weights", true)) c.fail("scale_attn_weights", "false is not supported");
  return g;
}

void Gpt2Config::check_shapes(const HfConfig& c, const io::SafetensorsCheckpoint& checkpoint) const {
  ConfigShapeCheck check(c.path(), checkpoint, {"transformer.", ""});
  check.size("vocab_size", vocab_size, "wte.weight", 0);
  check.size("n_embd", n_embd, "wte.weight", 1);
  check.size("n_positions", n_positions, "wpe.weight", 0);
  check.blocks("n_layer", n_layer, "h.");
  if (n_inner) check.size("n_inner", n_inner, "h.0.mlp.c_fc.weight", 1);
  else check.product("4", 4, "n_embd (n_inner is null)", n_embd, "h.0.mlp.c_fc.weight", 1);
  // amem's GPT-2 always ties its output layer to wte, as every released GPT-2 does.
  if (!tie_word_embeddings) {
    if (!checkpoint.contains("lm_head.weight"))
      throw Error(checkpoint.file() + ": missing tensor 'lm_head.weight', the separate output layer that " +
                  c.path() + "'s tie_word_embeddings: false asks for");
    c.fail("tie_word_embeddings", "false (a separate output layer) is not supported for gpt2");
  }
}

Gpt2Conv1DImpl::Gpt2Conv1DImpl(int64_t in, int64_t out) {
  weight = register_parameter("weight", layers::new_parameter({in, out}, [&] { return torch::randn({in, out}) * 0.02; }));
  bias = register_parameter("bias", layers::new_parameter({out}, [&] { return torch::zeros({out}); }));
}

torch::Tensor Gpt2Conv1DImpl::forward(const torch::Tensor& x) {
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(1);
  return torch::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(sizes);
}

Gpt2BlockImpl::Gpt2BlockImpl(const Gpt2Config& config, size_t index)
    : index_(index),
      n_head_(config.n_head),
      attn_pdrop_(config.attn_pdrop),
      resid_pdrop_(config.resid_pdrop),
      act_(layers::activation_by_name(config.activation_function, "config.json: activation_function")) {
  const int64_t E = config.n_embd, inner = config.n_inner ? config.n_inner : 4 * E;
  ln_1 = register_module("ln_1", layers::LayerNorm(E, config.layer_norm_epsilon));
  ln_2 = register_module("ln_2", layers::LayerNorm(E, config.layer_norm_epsilon));
  // attn.c_proj and mlp.c_proj share a leaf name, so each lives in its own named dict.
  attn = register_module("attn", torch::nn::ModuleDict());
  mlp = register_module("mlp", torch::nn::ModuleDict());
  c_attn = Gpt2Conv1D(E, 3 * E);
  attn_proj = Gpt2Conv1D(E, E);
  c_fc = Gpt2Conv1D(E, inner);
  mlp_proj = Gpt2Conv1D(inner, E);
  attn->update({{"c_attn", c_attn.ptr()}, {"c_proj", attn_proj.ptr()}});
  mlp->update({{"c_fc", c_fc.ptr()}, {"c_proj", mlp_proj.ptr()}});
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& bias, KvCache* cache) {
  const int64_t B = x.size(0), L = x.size(1), E = x.size(2), D = E / n_head_;
  // Attention: one projection gives queries, keys and values, split into heads.
  auto qkv = c_attn(ln_1(x)).split(E, -1);
  auto heads = [&](const torch::Tensor& t) { return t.view({B, L, n_head_, D}).transpose(1, 2); };
  auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
  if (cache) std::tie(k, v) = cache->append(index_, k, v);
  const bool training = is_training();
  auto a = layers::attention(q, k, v, bias, 1.0 / std::sqrt(double(D)), training ? attn_pdrop_ : 0.0);
  auto h = x + torch::dropout(attn_proj(a.transpose(1, 2).reshape({B, L, E})), resid_pdrop_, training);
  // Feed-forward.
  return h + torch::dropout(mlp_proj(act_(c_fc(ln_2(h)))), resid_pdrop_, training);
}

CausalLmShape Gpt2Config::shape() const {
  return {vocab_size, n_embd, n_layer, n_head, n_head, n_embd / n_head, n_positions};
}

Gpt2LmHeadModel::Gpt2LmHeadModel(const Gpt2Config& config) : config_(config) {
  shape_ = config.shape();
  wte = register_module("wte", layers::embedding(config.vocab_size, config.n_embd));
  wpe = register_module("wpe", layers::embedding(config.n_positions, config.n_embd));
  auto h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) {
    blocks_.push_back(Gpt2Block(config, size_t(i)));
    h->push_back(blocks_.back());
  }
  ln_f = register_module("ln_f", layers::LayerNorm(config.n_embd, config.layer_norm_epsilon));
}

torch::Tensor Gpt2LmHeadModel::hidden_states(const torch::Tensor& input_ids,
                                             const torch::Tensor& attention_mask,
                                             const torch::Tensor& position_ids, KvCache* cache) {
  const auto in = resolve_inputs(input_ids, attention_mask, position_ids, cache, shape_);
  auto x = torch::dropout(wte(input_ids) + wpe(in.position_ids), config_.embd_pdrop, is_training());
  const auto bias = layers::attention_bias(in.attention_mask, input_ids.size(1), /*causal=*/true,
                                           x.scalar_type());
  for (auto& block : blocks_) x = block(x, bias, cache);
  return ln_f(x);
}

torch::Tensor Gpt2LmHeadModel::forward(const torch::Tensor& input_ids,
                                       const torch::Tensor& attention_mask,
                                       const torch::Tensor& position_ids, KvCache* cache) {
  // The output layer is the token embedding, transposed (tied weights).
  return logits_of(hidden_states(input_ids, attention_mask, position_ids, cache), wte->weight);
}

}  // namespace amem::models
