// The `eval` section of a config: how `amem eval` adapts to the stream and answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/eval/answer_options.h"
#include "amem/eval/stream_protocols.h"

namespace amem::eval {

struct EvalSettings {
  std::string adapter;     // none, uniform, salient or camels (methods/make_adapter.h)
  AnswerOptions answer;    // eval.max_new_tokens, eval.prediction_text, eval.prompt_max_tokens
  int64_t batch_size;      // questions answered per generation batch
  int64_t gold_max_tokens; // the reference gold's token cut (reference_protocol.h)
  std::optional<RetentionSettings> retention;     // eval.retention.*, when eval.retention.every is set
  std::optional<DistractorSettings> distractors;  // eval.distractors.*, when eval.distractors.fractions is set

  static void declare(config::Schema& schema);
  // ConfigError (one line, naming the key) for eval.retention.every without .first_documents
  // or the reverse, an empty fraction list, and a distractor file that is missing or not a file.
  static EvalSettings from(const config::Config& config);
};

}  // namespace amem::eval
