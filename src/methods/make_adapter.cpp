#include "amem/methods/make_adapter.h"

#include "amem/core/error.h"
#include "amem/data/data_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/methods/camels/camels_adapter.h"
#include "amem/methods/camels/camels_settings.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/methods/no_adaptation.h"
#include "amem/methods/salient_span_fine_tuning.h"
#include "amem/methods/uniform_fine_tuning.h"
#include "amem/run/run_settings.h"

namespace amem::methods {

namespace {

std::unique_ptr<eval::Adapter> make_camels_adapter(const config::Config& config, std::shared_ptr<models::CausalLm> model,
                                                   std::shared_ptr<const text::Tokenizer> tokenizer,
                                                   const AdaptSettings& adapt, int64_t max_new_tokens,
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
  return std::make_unique<camels::CamelsAdapter>(model, tokenizer, weight_model, adapt, max_new_tokens,
                                                 std::move(light_tune));
}

}  // namespace

std::unique_ptr<eval::Adapter> make_adapter(const config::Config& config) {
  const auto eval = eval::EvalSettings::from(config);
  const auto model_settings = models::ModelSettings::from(config);
  if (eval.adapter == "mac") {
    auto mac = std::make_shared<MacModel>(MacSettings::from(config), model_settings);
    eval::GreedyAnswerer answerer(mac->base_lm_ptr(), mac->base_tokenizer(), eval.max_new_tokens);
    return std::make_unique<MacAdapter>(mac, std::move(answerer), memory::MemorySettings::from(config));
  }
  const bool fine_tunes = eval.adapter != "none";
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(model_settings.path);
  auto model = models::load_causal_lm(model_settings.path, model_settings.load_options(fine_tunes));
  if (!fine_tunes) return std::make_unique<NoAdaptation>(eval::GreedyAnswerer(model, tokenizer, eval.max_new_tokens));
  const auto adapt = AdaptSettings::from(config);
  LightTuneData light_tune;
  if (adapt.light_tune_steps > 0) {
    for (auto& document : data::read_qa_dataset(data::DataSettings::train(config)).documents)
      for (auto& question : document.questions) light_tune.pairs.push_back(std::move(question));
    light_tune.seed = uint64_t(run::RunSettings::from(config).seed);
  }
  if (eval.adapter == "camels")
    return make_camels_adapter(config, model, tokenizer, adapt, eval.max_new_tokens, std::move(light_tune));
  if (eval.adapter == "salient")
    return std::make_unique<SalientSpanFineTuning>(model, tokenizer, adapt, eval.max_new_tokens, std::move(light_tune));
  return std::make_unique<UniformFineTuning>(model, tokenizer, adapt, eval.max_new_tokens, std::move(light_tune));
}

}  // namespace amem::methods
