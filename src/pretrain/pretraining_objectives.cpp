#include "amem/pretrain/pretraining_objectives.h"

#include "amem/pretrain/causal_lm_pretraining.h"
#include "amem/pretrain/t5_span_corruption_pretraining.h"

namespace amem::pretrain {

namespace {

std::unique_ptr<train::TrainingTask> make_causal_lm(const config::Config& config) {
  return std::make_unique<CausalLmPretraining>(config);
}

std::unique_ptr<train::TrainingTask> make_t5_span_corruption(const config::Config& config) {
  return std::make_unique<T5SpanCorruptionPretraining>(config);
}

}  // namespace

const std::vector<PretrainingObjective>& pretraining_objectives() {
  static const std::vector<PretrainingObjective> table = {
      {"causal_lm", "next-token prediction on packed text, for GPT-2 and LLaMA shapes (pretrain/causal_lm_pretraining.h)",
       make_causal_lm},
      {"t5_span_corruption", "T5's span corruption on packed text, for the T5 MAC amortizes with (pretrain/t5_span_corruption_pretraining.h)",
       make_t5_span_corruption},
  };
  return table;
}

std::vector<std::string> pretraining_objective_names() {
  std::vector<std::string> names;
  for (const auto& objective : pretraining_objectives()) names.push_back(objective.name);
  return names;
}

}  // namespace amem::pretrain
