#include "amem/pretrain/pretraining_objectives.h"

#include "amem/pretrain/causal_lm_pretraining.h"

namespace amem::pretrain {

namespace {

std::unique_ptr<train::TrainingTask> make_causal_lm(const config::Config& config) {
  return std::make_unique<CausalLmPretraining>(config);
}

}  // namespace

const std::vector<PretrainingObjective>& pretraining_objectives() {
  static const std::vector<PretrainingObjective> table = {
      {"causal_lm", "next-token prediction on packed text, for GPT-2 and LLaMA shapes (pretrain/causal_lm_pretraining.h)",
       make_causal_lm},
  };
  return table;
}

std::vector<std::string> pretraining_objective_names() {
  std::vector<std::string> names;
  for (const auto& objective : pretraining_objectives()) names.push_back(objective.name);
  return names;
}

}  // namespace amem::pretrain
