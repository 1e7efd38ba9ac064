// The MAC reference's base-LM QA rows (mac.qa_layout: reference; docs/reference_protocol.md §9),
// from tok_qa_for_training (jihoontack/MAC d75891d, M:common/dataset.py:66-95):
//   - the question and " " + answer + EOS are tokenized separately, each with the checkpoint's
//     BOS convention (Tokenizer::encode_for_model), and concatenated; so a LLaMA row reads
//     [BOS question][BOS answer EOS] and the second BOS is a label (M:common/dataset.py:71-77);
//   - labels are -100 on the question's tokens, the tokens themselves after it;
//   - a row longer than qa_tokens + answer_tokens keeps its last qa_tokens tokens and its question
//     loses as many from its start (:78-85);
//   - a row of qa_tokens + 1 .. qa_tokens + answer_tokens is cut at its end to qa_tokens (the
//     negative F.pad of :87-93): the answer's end, possibly its EOS, is lost;
//   - every row is padded to exactly qa_tokens (pad id, mask 0, label -100).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "amem/config/config.h"
#include "amem/data/qa_document.h"
#include "amem/train/lm_batch.h"

namespace amem::text {
class Tokenizer;
}

namespace amem::methods {

// The mac.qa_layout / mac.qa_tokens / mac.qa_answer_tokens keys (declared with the mac section,
// MacSettings::declare).
struct ReferenceQaLayout {
  int64_t qa_tokens = 128;     // every row's width (the reference's max_question_len)
  int64_t answer_tokens = 24;  // the allowance in the cut rule (the reference's max_answer_len)
  // The layout when mac.qa_layout is `reference`; none for amem's (train::qa_batch).
  static std::optional<ReferenceQaLayout> from(const config::Config& config);
};

// [questions.size(), qa_tokens] int64 ids / mask / labels on the CPU. Throws amem::Error if the
// tokenizer has no EOS token.
train::LmBatch reference_qa_batch(const text::Tokenizer& tokenizer, const std::vector<const data::Question*>& questions,
                                  int64_t qa_tokens, int64_t answer_tokens);

}  // namespace amem::methods
