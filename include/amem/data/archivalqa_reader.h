// ArchivalQA as CaMeLS's ArchivalQA_processing notebook pairs it with the NYT corpus: a CSV
// with one row per question. Required columns: `doc_id` (the article), `para_num` (an
// integer, the paragraph within it), `ans_paragraph` (that paragraph's text), `question`,
// `answer` (one gold answer); `ans_text` (the whole article) instead of `ans_paragraph` when
// reading full passages; optional `title`. Other columns (para_id, date, year, ...) are ignored.
//
// As in the reference, rows are stably sorted by para_num before anything else, so an
// article's paragraphs (and a document's questions) come in paragraph order. Every paragraph
// (article, with full_passage) is a document, grouped by doc_id for shuffling; documents with
// identical text are one. Target: the answer as written, its first letter upper-cased if it is
// lower-case (the reference does not strip it).
#pragma once

#include <string>

#include "amem/data/qa_dataset.h"

namespace amem::data {

struct ArchivalQAOptions {
  ReadLimits limits;
  bool full_passage = false;  // documents are whole articles (`ans_text`), not paragraphs
};

QADataset read_archivalqa_csv(const std::string& path, const ArchivalQAOptions& options = {});

}  // namespace amem::data
