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

// How many memory-bank entries a streamed document makes (eval.bank_entries; MAC only).
enum class BankEntries {
  // amem: one per document (a text that recurs in the stream is stored once per occurrence).
  per_document,
  // MAC's reference: one per test row, i.e. per question, so a document with k questions is
  // stored k times and weighs k times in the aggregation's softmax (M:evals/qa_utils.py:142-158
  // amortizes every row of the test file).
  per_row,
};

struct EvalSettings {
  std::string adapter;     // none, uniform, salient or camels (methods/make_adapter.h)
  AnswerOptions answer;    // eval.max_new_tokens, eval.decoding and its beam keys, eval.prediction_text,
                           // eval.prompt_max_tokens
  BankEntries bank_entries = BankEntries::per_document;  // eval.bank_entries
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
