// The `eval` section of a config: how `amem eval` adapts to the stream and answers.
#pragma once

#include <cstdint>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/eval/answer_options.h"

namespace amem::eval {

struct EvalSettings {
  std::string adapter;     // none, uniform, salient or camels (methods/make_adapter.h)
  AnswerOptions answer;    // eval.max_new_tokens, eval.prediction_text, eval.prompt_max_tokens
  int64_t batch_size;      // questions answered per generation batch
  int64_t gold_max_tokens; // the reference gold's token cut (reference_protocol.h)

  static void declare(config::Schema& schema);
  static EvalSettings from(const config::Config& config);
};

}  // namespace amem::eval
