// MAC's networks at the reference's sizes, built without checkpoint files for the bench programs
// (random weights: only the shapes matter for speed and memory).
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/methods/mac/mac_networks.h"
#include "amem/models/t5.h"

namespace amem::bench {

// t5-base and t5-large as their config.json files describe them; a checkpoint folder name
// containing "large" picks t5-large, anything else t5-base.
inline models::T5Config t5_shape(const std::string& checkpoint) {
  models::T5Config c;
  const bool large = checkpoint.find("large") != std::string::npos;
  c.vocab_size = 32128;
  c.d_model = large ? 1024 : 768;
  c.d_kv = 64;
  c.d_ff = large ? 4096 : 3072;
  c.num_layers = c.num_decoder_layers = large ? 24 : 12;
  c.num_heads = large ? 16 : 12;
  c.relative_attention_num_buckets = 32;
  c.relative_attention_max_distance = 128;
  c.layer_norm_epsilon = 1e-6;
  c.activation = "relu";
  return c;
}

// MAC's networks for `settings` over a base LM of `lm`'s shape, float32 on `device`, with
// random weights drawn there at a pre-trained model's scale; norms (1-D weights, and the
// per-token MLP banks' stacked LayerNorms) keep their ones.
inline methods::MacNetworks random_mac_networks(const methods::MacSettings& settings, const models::CausalLmShape& lm,
                                                torch::Device device, bool trainable) {
  methods::MacNetworks networks(settings, models::T5ForConditionalGeneration(t5_shape(settings.amortizer)),
                                models::T5ForConditionalGeneration(t5_shape(settings.question_encoder)), lm);
  networks->to(device);
  torch::NoGradGuard no_grad;
  for (auto& p : networks->named_parameters()) {
    if (p.value().dim() >= 2 && p.key().find("norm_") == std::string::npos) p.value().normal_(0.0, 0.02);
    p.value().set_requires_grad(trainable);
  }
  return networks;
}

}  // namespace amem::bench
