#include "amem/methods/make_adapter.h"

#include "amem/core/error.h"
#include "amem/methods/mac_only_keys.h"
#include "amem/data/data_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/methods/camels/camels_adapter.h"
#include "amem/methods/camels/camels_settings.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/methods/gold_document.h"
#include "amem/methods/no_adaptation.h"
#include "amem/methods/salient_span_fine_tuning.h"
#include "amem/methods/uniform_fine_tuning.h"
#include "amem/run/run_settings.h"

namespace amem::methods {

namespace {

std::unique_ptr<eval::Adapter> make_camels_adapter(const config::Config& config, std::shared_ptr<models::CausalLm> model,
                                                   std::shared_ptr<const text::Tokenizer> tokenizer,
                                                   const AdaptSettings& adapt, const eval::AnswerOptions& answer,
                                                   LightTuneData light_tune) {
  const auto camels = camels::CamelsSettings::from(config);
  const auto device = model->parameters().front().device();
  models::LoadOptions load;
  load.device = device;
  auto weight_model = camels::load_weight_model(camels.weight_model_path, {camels.freeze_body, camels.normalize_weights}, load);
  if (!weight_model->trained_head() && !camels.untrained_head)
    throw ConfigError(config.source_of("camels.weight_model_path") + ": camels.weight_model_path: '" + camels.weight_model_path + "' has no trained head (" +
                      camels::kTokenWeightingHeadFile + "); set camels.untrained_head: true to evaluate uniform weights");
  weight_model->eval();
  return std::make_unique<camels::CamelsAdapter>(model, tokenizer, weight_model, adapt, answer,
                                                 std::move(light_tune));
}

// A key the user set for what the chosen adapter never reads would be silently ignored: refused.
// Only MAC has a memory bank (memory.*, eval.bank_entries); only the fine-tuning adapters
// (uniform, salient, camels) light-tune after the stream (adapt.light_tune_steps > 0).
void check_keys_the_adapter_reads(const config::Config& config, const std::string& adapter) {
  const std::string chosen = "eval.adapter '" + adapter + "' (" + config.source_of("eval.adapter") + ")";
  if (const auto set = memory::memory_keys_set(config); adapter != "mac" && !set.empty())
    throw ConfigError(config.source_of(set.front()) + ": " + set.front() + ": set, but " + chosen +
                      " has no memory bank (memory.* is read by eval.adapter: mac only); leave it at its default");
  if (adapter != "mac") refuse_mac_only_keys(config, chosen, "eval.adapter");
  if (adapter != "mac" && config.get<std::string>("eval.bank_entries") != "per_document")
    throw ConfigError(config.source_of("eval.bank_entries") + ": eval.bank_entries: '" +
                      config.get<std::string>("eval.bank_entries") + "', but " + chosen +
                      " has no memory bank (eval.bank_entries is read by eval.adapter: mac only)");
  if ((adapter == "none" || adapter == "mac" || adapter == "gold_document") &&
      config.get<int64_t>("adapt.light_tune_steps") > 0)
    throw ConfigError(config.source_of("adapt.light_tune_steps") + ": adapt.light_tune_steps: " +
                      std::to_string(config.get<int64_t>("adapt.light_tune_steps")) + ", but " + chosen +
                      " does not light-tune (uniform, salient and camels do); set it to 0");
}

// GreedyAnswerer refuses an eval.max_new_tokens that leaves no room for a question (a BOS and
// one token) in the model's context; that is the config's mistake, so it is a ConfigError
// naming where the value was set, raised before anything runs.
void check_answer_room(const config::Config& config, const models::CausalLm& model, int64_t max_new_tokens) {
  const int64_t context = model.shape().max_positions;
  if (context - max_new_tokens < 2)
    throw ConfigError(config.source_of("eval.max_new_tokens") + ": eval.max_new_tokens: " +
                      std::to_string(max_new_tokens) + " leaves no room for a question in the context of " +
                      config.get<std::string>("model.path") + " (" + std::to_string(context) +
                      " tokens); at most " + std::to_string(context - 2));
}

}  // namespace

std::unique_ptr<eval::Adapter> make_adapter(const config::Config& config) {
  const auto eval = eval::EvalSettings::from(config);
  check_keys_the_adapter_reads(config, eval.adapter);
  const auto model_settings = models::ModelSettings::from(config);
  if (eval.adapter == "mac") {
    auto mac = std::make_shared<MacModel>(MacSettings::from(config), model_settings);
    check_answer_room(config, *mac->base_lm_ptr(), eval.answer.max_new_tokens);
    eval::GreedyAnswerer answerer(mac->base_lm_ptr(), mac->base_tokenizer(), eval.answer);
    return std::make_unique<MacAdapter>(mac, std::move(answerer), memory::MemorySettings::from(config),
                                        eval.bank_entries);
  }
  const bool fine_tunes = eval.adapter != "none" && eval.adapter != "gold_document";
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(model_settings.path);
  auto model = models::load_causal_lm(model_settings.path, model_settings.load_options(fine_tunes));
  check_answer_room(config, *model, eval.answer.max_new_tokens);
  eval::GreedyAnswerer answerer(model, tokenizer, eval.answer);
  if (eval.adapter == "gold_document") return std::make_unique<GoldDocument>(std::move(answerer));
  if (!fine_tunes) return std::make_unique<NoAdaptation>(std::move(answerer));
  const auto adapt = AdaptSettings::from(config);
  LightTuneData light_tune;
  if (adapt.light_tune_steps > 0) {
    for (auto& document : data::read_qa_dataset(data::DataSettings::train(config)).documents)
      for (auto& question : document.questions) light_tune.pairs.push_back(std::move(question));
    light_tune.seed = uint64_t(run::RunSettings::from(config).seed);
  }
  if (eval.adapter == "camels")
    return make_camels_adapter(config, model, tokenizer, adapt, eval.answer, std::move(light_tune));
  if (eval.adapter == "salient")
    return std::make_unique<SalientSpanFineTuning>(model, tokenizer, adapt, eval.answer, std::move(light_tune));
  return std::make_unique<UniformFineTuning>(model, tokenizer, adapt, eval.answer, std::move(light_tune));
}

}  // namespace amem::methods
