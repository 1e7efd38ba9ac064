// How a causal LM's answer to a question is produced and read off (eval.* keys; greedy_answerer.h
// applies them). The defaults are amem's rules; the MAC and CaMeLS reference evaluations use
// other ones, available here so that their tables can be reproduced (docs/reference_protocol.md
// §1, §4 and §6).
#pragma once

#include <cstdint>
#include <optional>

namespace amem::eval {

// Which text of the generated tokens is the prediction.
enum class PredictionText {
  // amem: the text the new tokens add after the prompt (Tokenizer::decode_continuation), up to
  // its first newline, without surrounding whitespace.
  continuation,
  // MAC and CaMeLS: the whole output (prompt and new tokens) decoded with special tokens skipped,
  // clean_up_tokenization and str.strip(), less as many characters as the prompt decoded the
  // same way has; no newline cut (M:evals/qa_utils.py:105-113, C:subroutines.py:64-71).
  reference,
};

// How the answer's tokens are chosen.
enum class Decoding {
  // amem: greedy, the questions of a batch decoded together (left-padded).
  greedy,
  // MAC and CaMeLS: diverse group beam search with transformers 4.36.2's semantics, one question
  // per search, the top sequence (generation/group_beam_search.h; M:evals/qa_utils.py:91-103).
  group_beam,
};

// eval.num_beams, eval.num_beam_groups, ...: read by Decoding::group_beam only. The defaults are
// the MAC reference's values (M:conf/mode_eval/*.yaml:74-76, M:evals/qa_utils.py:91-103;
// length_penalty is not passed there, so transformers' 1.0).
struct GroupBeamOptions {
  int64_t num_beams = 12;
  int64_t num_beam_groups = 4;
  double diversity_penalty = 10.0;
  double length_penalty = 1.0;
  bool early_stopping = true;
};

struct AnswerOptions {
  int64_t max_new_tokens = 24;
  Decoding decoding = Decoding::greedy;
  GroupBeamOptions group_beam;
  PredictionText prediction_text = PredictionText::continuation;
  // When set, a prompt longer than this keeps only its last this-many tokens, a BOS included
  // (M:evals/qa_utils.py:86-88 keeps 256). The context budget applies after it either way.
  std::optional<int64_t> prompt_max_tokens;
};

}  // namespace amem::eval
