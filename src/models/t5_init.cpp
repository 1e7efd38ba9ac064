#include "amem/models/t5_init.h"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace amem::models {

namespace {

bool ends_with(const std::string& name, const std::string& suffix) {
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The standard deviation of `name`'s normal draw; nullopt for the layer norms (filled with f).
std::optional<double> t5_init_std(const std::string& name, const T5Config& c) {
  const double f = c.initializer_factor;
  const auto root = [](double x) { return std::pow(x, -0.5); };
  if (name == "shared.weight" || name == "lm_head.weight") return f;
  if (ends_with(name, "layer_norm.weight")) return std::nullopt;
  if (ends_with(name, ".DenseReluDense.wi.weight") || ends_with(name, ".DenseReluDense.wi_0.weight") ||
      ends_with(name, ".DenseReluDense.wi_1.weight"))
    return f * root(double(c.d_model));
  if (ends_with(name, ".DenseReluDense.wo.weight")) return f * root(double(c.d_ff));
  if (ends_with(name, ".relative_attention_bias.weight")) return f * root(double(c.d_model));
  if (ends_with(name, "Attention.q.weight")) return f * root(double(c.d_model * c.d_kv));
  if (ends_with(name, "Attention.k.weight") || ends_with(name, "Attention.v.weight")) return f * root(double(c.d_model));
  if (ends_with(name, "Attention.o.weight")) return f * root(double(c.num_heads * c.d_kv));
  throw std::logic_error("init_t5_weights: no initialisation rule for parameter " + name);
}

}  // namespace

void init_t5_weights(T5ForConditionalGenerationImpl& model) {
  torch::NoGradGuard no_grad;
  const T5Config& config = model.config();
  for (auto& item : model.named_parameters(/*recurse=*/true)) {
    const auto deviation = t5_init_std(item.key(), config);
    if (deviation)
      item.value().normal_(0.0, *deviation);
    else
      item.value().fill_(config.initializer_factor);
  }
}

}  // namespace amem::models
