#include "amem/eval/eval_settings.h"

namespace amem::eval {

void EvalSettings::declare(config::Schema& schema) {
  schema.section("eval", "online evaluation: adapt to the stream, then answer every question")
      .field<std::string>("adapter", "none",
                          "how the model takes in each document: none (frozen), uniform (fine-tune on "
                          "its LM loss), salient (fine-tune on its salient-span tokens only), camels (fine-tune on "
                          "its tokens weighted by CaMeLS's weight model), mac (a memory bank of amortized documents; mac.*); gold_document (calibration: each "
                          "question is asked after its own document, an upper bound for a memory)")
      .one_of({"none", "uniform", "salient", "camels", "mac", "gold_document"})
      .field<int64_t>("max_new_tokens", 24, "greedy answer length in tokens")
      .at_least(1)
      .field<std::string>("prediction_text", "continuation",
                          "which text of the generated tokens is the prediction: continuation (the new tokens' "
                          "text up to its first newline, trimmed) or reference (MAC/CaMeLS: the whole output "
                          "decoded with clean_up_tokenization_spaces and stripped, less the question's length in "
                          "characters; no newline cut)")
      .one_of({"continuation", "reference"})
      .optional<int64_t>("prompt_max_tokens",
                         "keep only the last N prompt tokens, a BOS included (MAC: 256); null: only the context cuts")
      .at_least(1)
      .field<int64_t>("gold_max_tokens", 24,
                      "the reference metrics' gold answer: ' ' + the dataset's single answer, cut to this many "
                      "tokens (a BOS counts) and decoded with clean_up_tokenization_spaces")
      .at_least(1)
      .field<int64_t>("batch_size", 16, "questions answered per generation batch")
      .at_least(1);
}

EvalSettings EvalSettings::from(const config::Config& config) {
  EvalSettings s;
  s.adapter = config.get<std::string>("eval.adapter");
  s.answer.max_new_tokens = config.get<int64_t>("eval.max_new_tokens");
  s.answer.prediction_text = config.get<std::string>("eval.prediction_text") == "reference"
                                 ? PredictionText::reference
                                 : PredictionText::continuation;
  if (!config.is_null("eval.prompt_max_tokens")) s.answer.prompt_max_tokens = config.get<int64_t>("eval.prompt_max_tokens");
  s.gold_max_tokens = config.get<int64_t>("eval.gold_max_tokens");
  s.batch_size = config.get<int64_t>("eval.batch_size");
  return s;
}

}  // namespace amem::eval
