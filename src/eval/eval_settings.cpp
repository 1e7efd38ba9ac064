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
      .field<int64_t>("max_new_tokens", 24, "greedy answer length in tokens (cut at the first newline)")
      .at_least(1)
      .field<int64_t>("batch_size", 16, "questions answered per generation batch")
      .at_least(1);
}

EvalSettings EvalSettings::from(const config::Config& config) {
  EvalSettings s;
  s.adapter = config.get<std::string>("eval.adapter");
  s.max_new_tokens = config.get<int64_t>("eval.max_new_tokens");
  s.batch_size = config.get<int64_t>("eval.batch_size");
  return s;
}

}  // namespace amem::eval
