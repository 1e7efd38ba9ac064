#include "amem/methods/make_adapter.h"

#include "amem/data/data_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/methods/no_adaptation.h"
#include "amem/methods/salient_span_fine_tuning.h"
#include "amem/methods/uniform_fine_tuning.h"
#include "amem/run/run_settings.h"

namespace amem::methods {

std::unique_ptr<eval::Adapter> make_adapter(const config::Config& config) {
  const auto eval = eval::EvalSettings::from(config);
  const auto model_settings = models::ModelSettings::from(config);
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
  if (eval.adapter == "salient")
    return std::make_unique<SalientSpanFineTuning>(model, tokenizer, adapt, eval.max_new_tokens, std::move(light_tune));
  return std::make_unique<UniformFineTuning>(model, tokenizer, adapt, eval.max_new_tokens, std::move(light_tune));
}

}  // namespace amem::methods
