// What the two SQuAD v1.1 readers (official JSON, flat CSV) share: how the reference picks
// rows and the training target.
//
// Rows are question records in file order (articles, then paragraphs, then questions),
// as the Hugging Face `squad` dataset numbers them; MAC and CaMeLS cut their splits as row
// ranges of it (e.g. train rows [42118, 82011) for meta-training). Malformed rows keep their
// number, so a broken row never shifts a split.
//
// Target answer: the shortest gold answer (first on a tie), then stripped, then its first
// letter upper-cased if it is lower-case. Answers that are empty or whitespace are dropped
// first; a question with none left is malformed. Every paragraph is a document, grouped by
// article title for shuffling; paragraphs with identical text are one document.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "amem/data/read_report.h"

namespace amem::data {

struct SquadOptions {
  ReadLimits limits;
  std::size_t first_row = 0;                                      // first question row kept
  std::size_t end_row = std::numeric_limits<std::size_t>::max();  // one past the last row kept
};

// The reference's target for a SQuAD question; `answers` must hold a non-empty answer.
std::string squad_target(const std::vector<std::string>& answers);

}  // namespace amem::data
