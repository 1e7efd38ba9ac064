// Diverse (group) beam search with the semantics of transformers 4.36.2, the version the MAC
// reference pins (M:README.md:10) and answers with (M:evals/qa_utils.py:91-103: 12 beams in 4
// groups, diversity_penalty 10, early_stopping, 16 new tokens, one question per call, the top
// sequence). transformers 5 no longer has it, so this follows 4.36's code as read (transformers
// src/transformers/generation/utils.py GenerationMixin.group_beam_search,
// logits_process.py HammingDiversityLogitsProcessor, beam_search.py BeamSearchScorer and
// BeamHypotheses; docs/reference_protocol.md §13 walks through them):
//
//  - num_beams rows in num_beam_groups groups of S = num_beams / num_beam_groups; at the start
//    only the first row of each group is live (the others score -1e9);
//  - per step, one model call for all rows, then the groups in order 0, 1, ...: the group's
//    log-softmax, minus diversity_penalty times how often each token was chosen *at this step*
//    by the groups before it (group 0 is never penalised; the penalty accumulates into the
//    beam scores), plus the rows' beam scores; the best max(2, 1 + #EOS ids)·S candidates of
//    the group, best first;
//  - candidates walked in rank order: an EOS of rank < S finishes a hypothesis (its tokens
//    without the EOS; score = sum / generated_len^length_penalty, generated_len counting the
//    EOS), an EOS of rank >= S is skipped, other tokens fill the S running beams;
//  - each group keeps its best S finished hypotheses; it is done when it holds S and
//    early_stopping is set, or (early_stopping false) when none of its candidates, scored at
//    the current length, could beat its worst; a done group emits pad_id with score 0 in all
//    its rows from then on (so later groups are penalised on pad_id);
//  - the search ends when every group is done or after max_new_tokens steps; the running beams
//    of groups not done then join their hypotheses (generated_len = steps); the top sequence is
//    the highest score over all groups (ties: the later in group order, then in insertion order).
//
// The length rule is 4.36's after transformers PR #27808 (generated_len includes the EOS), as
// the code read at 4e7bd11 has it; docs/reference_protocol.md §13.3 notes why that is the one
// 4.36.2 ships.
#pragma once

#include <cstdint>
#include <vector>

#include "amem/generation/generate.h"
#include "amem/generation/next_token_source.h"

namespace amem::generation {

struct GroupBeamResult {
  // New tokens of the top hypothesis, followed by the first EOS id when it is shorter than
  // max_new_tokens (as transformers' finalize appends one).
  std::vector<int64_t> tokens;
  // Its score: summed (diversity-penalised) log-probabilities / generated_len^length_penalty.
  double score = 0;
};

// Decodes one prompt whose num_beams rows `source` holds (row r of group g is g·S + r), with
// options.num_beams, num_beam_groups, diversity_penalty, length_penalty, early_stopping,
// max_new_tokens, eos_ids and pad_id. Throws c10::Error (TORCH_CHECK) when
// num_beams < 2, num_beam_groups does not divide num_beams, diversity_penalty < 0 or
// max_new_tokens < 1: callers validate their config first.
GroupBeamResult group_beam_search(NextTokenSource& source, const GenerationOptions& options);

// The same over a causal LM: `prompt` must be one row (the reference answers one question per
// generate call, and tiles its prefix over the beams, which is only right for one row); the
// prompt, mask and prefix are repeated over the beams. Runs under NoGradGuard.
GroupBeamResult group_beam_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options);

}  // namespace amem::generation
