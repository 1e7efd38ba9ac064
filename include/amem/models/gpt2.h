// GPT-2 (distilgpt2, gpt2, gpt2-medium/large/xl) as Hugging Face's GPT2LMHeadModel computes it.
//
// Module and parameter names follow the checkpoint (wte, wpe, h.N.attn.c_attn, ...), so that
// models::load_weights fills them by name. GPT-2's linear layers are "Conv1D": the weight is
// stored [in, out] and applied as bias + x·W with addmm, exactly as the reference does, so
// results agree to the last bit where the kernels do. The output layer is tied to wte.
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/io/safetensors.h"
#include "amem/layers/activation.h"
#include "amem/layers/layer_norm.h"
#include "amem/models/causal_lm.h"
#include "amem/models/hf_config.h"

namespace amem::models {

struct Gpt2Config {
  int64_t vocab_size = 50257;
  int64_t n_positions = 1024;
  int64_t n_embd = 768;
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_inner = 0;  // 0: 4 * n_embd
  double layer_norm_epsilon = 1e-5;
  std::string activation_function = "gelu_new";
  // Dropout, active only in train mode (MAC's gpt_drop trains its prefix through it).
  double embd_pdrop = 0.1, attn_pdrop = 0.1, resid_pdrop = 0.1;
  bool tie_word_embeddings = true;  // false is refused by check_shapes

  // Sizes must be positive and n_head must divide n_embd; else amem::Error naming the key.
  static Gpt2Config from(const HfConfig& config);
  // Before building: every size against the checkpoint's tensors (models/config_shape_check.h),
  // and tie_word_embeddings: false refused, naming lm_head.weight when the checkpoint lacks it.
  void check_shapes(const HfConfig& config, const io::SafetensorsCheckpoint& checkpoint) const;
  CausalLmShape shape() const;
};

// A linear layer with GPT-2's [in, out] weight layout.
class Gpt2Conv1DImpl : public torch::nn::Module {
 public:
  Gpt2Conv1DImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(Gpt2Conv1D);

class Gpt2BlockImpl : public torch::nn::Module {
 public:
  Gpt2BlockImpl(const Gpt2Config& config, size_t index);
  // x: [B, L, E]; bias: additive attention bias [B, 1, L, cached + L].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias, KvCache* cache);

 private:
  size_t index_;
  int64_t n_head_;
  double attn_pdrop_, resid_pdrop_;
  layers::Activation act_;
  layers::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  torch::nn::ModuleDict attn{nullptr}, mlp{nullptr};
  Gpt2Conv1D c_attn{nullptr}, attn_proj{nullptr}, c_fc{nullptr}, mlp_proj{nullptr};
};
TORCH_MODULE(Gpt2Block);

class Gpt2LmHeadModel : public CausalLm {
 public:
  explicit Gpt2LmHeadModel(const Gpt2Config& config);

  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& position_ids, KvCache* cache) override;
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, KvCache* cache) override;
  const CausalLmShape& shape() const override { return shape_; }
  const Gpt2Config& config() const { return config_; }
  std::string checkpoint_prefix() const override { return "transformer."; }

 private:
  Gpt2Config config_;
  CausalLmShape shape_;
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  std::vector<Gpt2Block> blocks_;
  layers::LayerNorm ln_f{nullptr};
};

}  // namespace amem::models
