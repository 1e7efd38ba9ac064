// Exact match and token F1 as the official SQuAD v1.1 evaluation script computes them, which
// is how MAC, CMT and CaMeLS report their tables.
//
// Normalisation, in the script's order: lower-case (Python str.lower), remove ASCII punctuation
// (Python's string.punctuation: unicode punctuation such as '–' or '’' is kept), replace the
// words a / an / the with a space (word boundaries as Python's `re` \b), collapse whitespace
// (Python str.split). Against several gold answers each score is the maximum over them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amem::eval {

std::string normalize_answer(std::string_view text);

// 1 when the normalised strings are equal, else 0.
double exact_match(std::string_view prediction, std::string_view gold);

// Harmonic mean of token precision and recall over the multiset of normalised tokens; 0 when
// no token is shared (so an empty prediction scores 0 even against an empty gold, as in v1.1).
double f1_score(std::string_view prediction, std::string_view gold);

struct AnswerScore {
  double exact_match = 0;
  double f1 = 0;
};

// Maximum of each score over the gold answers. Throws amem::Error when `golds` is empty.
AnswerScore score_answer(std::string_view prediction, const std::vector<std::string>& golds);

}  // namespace amem::eval
