// The LLaMA family of decoders (LlamaForCausalLM, and Qwen2 / Mistral checkpoints of the same
// shape) as Hugging Face computes them: pre-norm blocks with RMSNorm, rotary positions,
// grouped-query attention and a SwiGLU feed-forward. Parameter names follow the checkpoint
// (model.layers.N.self_attn.q_proj, ...), so models::load_weights fills them by name.
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/io/safetensors.h"
#include "amem/layers/activation.h"
#include "amem/layers/rms_norm.h"
#include "amem/layers/rotary_embedding.h"
#include "amem/models/causal_lm.h"
#include "amem/models/hf_config.h"

namespace amem::models {

struct LlamaConfig {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;
  int64_t head_dim = 128;
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  layers::RopeScaling rope_scaling;
  std::string hidden_act = "silu";
  bool attention_bias = false;  // q/k/v (and o, for LLaMA's flag) projections with bias
  bool o_proj_bias = false;
  bool mlp_bias = false;
  bool tie_word_embeddings = false;

  // Reads both the classic keys (rope_theta, rope_scaling) and transformers 5's
  // rope_parameters. Qwen2 has q/k/v bias without a flag.
  // Sizes must be positive, heads divide as attention needs; else amem::Error naming the key.
  static LlamaConfig from(const HfConfig& config);
  // Before building: every size against the checkpoint's tensors (models/config_shape_check.h).
  void check_shapes(const HfConfig& config, const io::SafetensorsCheckpoint& checkpoint) const;
  CausalLmShape shape() const;
};

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const LlamaConfig& config, size_t index);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias,
                        const torch::Tensor& positions, layers::RotaryEmbedding& rope, KvCache* cache);

 private:
  size_t index_;
  int64_t heads_, kv_heads_, head_dim_;
  layers::Activation act_;
  layers::RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

class LlamaForCausalLm : public CausalLm {
 public:
  explicit LlamaForCausalLm(const LlamaConfig& config);

  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& position_ids, KvCache* cache) override;
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, KvCache* cache) override;
  const CausalLmShape& shape() const override { return shape_; }
  const LlamaConfig& config() const { return config_; }

 private:
  LlamaConfig config_;
  CausalLmShape shape_;
  torch::nn::Embedding embed_tokens{nullptr};
  std::vector<LlamaDecoderLayer> layers_;
  layers::RMSNorm norm{nullptr};
  layers::RotaryEmbedding rope_{nullptr};
  torch::nn::Linear lm_head{nullptr};  // null when tied to embed_tokens
};

}  // namespace amem::models
