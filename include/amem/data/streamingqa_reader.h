// StreamingQA as CaMeLS and MAC use it: a CSV with one row per question, the evidence
// document repeated on each row. Required columns: `text` (the document), `question`,
// `answers` (every gold answer in one cell, separated by a single backslash `\`, which the
// reference's Python writes as "\\"). Other columns are ignored.
//
// Target answer: the shortest answer, first on a tie, used as written (the reference neither
// strips nor capitalises it). Alternatives that are empty or whitespace are dropped first; a
// row with none left is malformed. Documents are grouped by text, each its own shuffle group.
#pragma once

#include <string>

#include "amem/data/qa_dataset.h"

namespace amem::data {

QADataset read_streamingqa_csv(const std::string& path, const ReadLimits& limits = {});

}  // namespace amem::data
