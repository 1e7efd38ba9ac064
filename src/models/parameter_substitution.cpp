#include "amem/models/parameter_substitution.h"

#include <set>

#include "amem/core/error.h"
#include "amem/layers/layer_norm.h"
#include "amem/layers/rms_norm.h"
#include "amem/layers/token_mlp_bank.h"
#include "amem/models/gpt2.h"

namespace amem::models {

namespace {

// The tensor members a module's forward reads its parameters from, by leaf name. Every
// parameter-holding module kind amem's language models use is listed here.
std::vector<std::pair<std::string, torch::Tensor*>> parameter_members(torch::nn::Module& m) {
  if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&m))
    return {{"weight", &linear->weight}, {"bias", &linear->bias}};
  if (auto* embedding = dynamic_cast<torch::nn::EmbeddingImpl*>(&m)) return {{"weight", &embedding->weight}};
  if (auto* norm = dynamic_cast<layers::LayerNormImpl*>(&m))
    return {{"weight", &norm->weight}, {"bias", &norm->bias}};
  if (auto* norm = dynamic_cast<torch::nn::LayerNormImpl*>(&m))  // MAC's cross-attention blocks
    return {{"weight", &norm->weight}, {"bias", &norm->bias}};
  if (auto* conv = dynamic_cast<Gpt2Conv1DImpl*>(&m)) return {{"weight", &conv->weight}, {"bias", &conv->bias}};
  if (auto* rms = dynamic_cast<layers::RMSNormImpl*>(&m)) return {{"weight", &rms->weight}};
  if (auto* bank = dynamic_cast<layers::TokenMlpBankImpl*>(&m))  // MAC's per-token MLPs
    return {{"norm_weight", &bank->norm_weight},     {"norm_bias", &bank->norm_bias},
            {"hidden_weight", &bank->hidden_weight}, {"hidden_bias", &bank->hidden_bias},
            {"output_weight", &bank->output_weight}, {"output_bias", &bank->output_bias},
            {"skip_weight", &bank->skip_weight},     {"skip_bias", &bank->skip_bias}};
  return {};
}

}  // namespace

ParameterSubstitution::ParameterSubstitution(torch::nn::Module& module,
                                             const std::map<std::string, torch::Tensor>& replacements) {
  std::vector<std::pair<torch::Tensor*, const torch::Tensor*>> plan;
  std::set<std::string> found;
  // The module itself, then its descendants by qualified name (named_modules with include_self
  // would need the module to be owned by a shared_ptr).
  std::vector<std::pair<std::string, torch::nn::Module*>> modules = {{"", &module}};
  for (const auto& item : module.named_modules("", /*include_self=*/false))
    modules.emplace_back(item.key(), item.value().get());
  for (const auto& [prefix, submodule] : modules) {
    for (const auto& [leaf, member] : parameter_members(*submodule)) {
      const std::string name = prefix.empty() ? leaf : prefix + "." + leaf;
      const auto replacement = replacements.find(name);
      if (replacement == replacements.end() || !found.insert(name).second) continue;
      if (!member->defined() || member->sizes() != replacement->second.sizes())
        throw Error("parameter substitution: '" + name + "' has shape " +
                    (member->defined() ? c10::str(member->sizes()) : std::string("(none)")) + ", the replacement " +
                    c10::str(replacement->second.sizes()));
      plan.emplace_back(member, &replacement->second);
    }
  }
  for (const auto& [name, tensor] : replacements)
    if (!found.count(name))
      throw Error("parameter substitution: '" + name +
                  "' is not a parameter of a Linear, Embedding, LayerNorm, Gpt2Conv1D, RMSNorm or TokenMlpBank module");
  for (auto& [member, replacement] : plan) {
    originals_.emplace_back(member, *member);
    *member = *replacement;
  }
}

ParameterSubstitution::~ParameterSubstitution() {
  for (auto it = originals_.rbegin(); it != originals_.rend(); ++it) *it->first = it->second;
}

}  // namespace amem::models
