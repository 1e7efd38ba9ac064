// How the MAC and CaMeLS reference evaluations turn a generated answer and a question's gold
// into EM and F1 (docs/reference_protocol.md §2-§4). Their tables are computed this way, not with
// the official SQuAD v1.1 protocol (squad_metric.h); amem reports both for the same predictions
// (online_eval.h).
//
// Sources: MAC d75891d (M:), CaMeLS c15c082 (C:); the two agree on everything here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amem/eval/squad_metric.h"

namespace amem::text {
class Tokenizer;
}

namespace amem::eval {

// decode_to_clean_text (M:utils.py:100-104, C:util.py:66-70): the ids decoded with special
// tokens skipped, then text::clean_up_tokenization, then Python's str.strip().
std::string decode_to_clean_text(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids);

// The reference's prediction text (M:evals/qa_utils.py:105-113, C:subroutines.py:64-71): the
// whole output, `prompt` followed by `generated`, through decode_to_clean_text, less its first
// n characters (Unicode code points, as Python slices str), n being the length of the prompt
// through decode_to_clean_text. Nothing is cut at a newline and nothing is stripped after the
// slice (so it usually starts with a space); "" when the prompt's text is the longer.
std::string reference_prediction(const text::Tokenizer& tokenizer, const std::vector<int64_t>& prompt,
                                 const std::vector<int64_t>& generated);

// The one gold answer the reference scores against. `target` is the dataset's single answer
// (data::Question::target: the shortest answer; stripped and capitalised for SQuAD,
// capitalised for ArchivalQA: M:common/dataset.py:188-193, 219-224, 253-259). The reference
// tokenizes ' ' + target + EOS with max_length=24 and truncation (M:common/dataset.py:106-107,
// 122-123) and decodes that with decode_to_clean_text (M:evals/qa_utils.py:107). Here:
// encode_for_model(" " + target) (a BOS counts, as the LLaMA tokenizer adds one) cut to its
// first `max_tokens` ids, through decode_to_clean_text. The EOS the reference appends is left
// out: it is skipped when decoding and, coming last, never changes which answer ids the cut
// keeps. Throws amem::Error when max_tokens < 1.
std::string reference_gold(const text::Tokenizer& tokenizer, std::string_view target, int64_t max_tokens);

// exact_match(prediction, gold, match_length=False) of M:utils.py:136-141 (C:util.py:98-103):
// 1 when the normalised prediction (normalize_answer), cut to as many characters (code points)
// as the normalised gold has, equals the normalised gold; else 0. So any prediction that starts
// with the gold counts ("paris" matches "parisian mayor"), and a gold that normalises to ""
// ("The") matches every prediction.
double gold_prefix_exact_match(std::string_view prediction, std::string_view gold);

// The reference's scores of one prediction against its one gold: gold_prefix_exact_match and
// the SQuAD token F1 (f1_score; M:utils.py:145-156 is the same function, not cut to the gold).
AnswerScore reference_score(std::string_view prediction, std::string_view gold);

}  // namespace amem::eval
