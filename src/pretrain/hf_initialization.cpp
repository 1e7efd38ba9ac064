#include "amem/pretrain/hf_initialization.h"

#include <cmath>
#include <string>

namespace amem::pretrain {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void initialize_gpt2(models::Gpt2LmHeadModel& model, double initializer_range) {
  torch::NoGradGuard no_grad;
  const double residual = initializer_range / std::sqrt(2.0 * double(model.config().n_layer));
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    const bool layer_norm = name.rfind("ln_", 0) == 0 || name.find(".ln_") != std::string::npos;
    if (layer_norm) p.fill_(ends_with(name, ".weight") ? 1.0 : 0.0);
    else if (ends_with(name, ".bias")) p.zero_();
    else if (ends_with(name, "c_proj.weight")) p.normal_(0.0, residual);
    else p.normal_(0.0, initializer_range);  // wte, wpe, c_attn, c_fc
  }
}

void initialize_llama(models::LlamaForCausalLm& model, double initializer_range) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    if (ends_with(name, "norm.weight")) p.fill_(1.0);  // input_layernorm, post_attention_layernorm, norm
    else if (ends_with(name, ".bias")) p.zero_();
    else p.normal_(0.0, initializer_range);  // embed_tokens, the projections, lm_head
  }
}

}  // namespace amem::pretrain
