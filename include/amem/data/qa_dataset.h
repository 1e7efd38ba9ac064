// A dataset as read from one file: its documents in file order, each with all of its
// questions, and what was wrong with the file.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/data/read_report.h"

namespace amem::data {

struct QADataset {
  std::vector<Document> documents;
  ReadReport report;

  std::size_t question_count() const;
};

// Collects question records into documents. The formats store one row per question, with
// the document repeated on each row; rows whose text is identical are one document (the
// reference's drop_duplicates on the text column), even when the rows are far apart or
// carry different ids. The document keeps the id, title and group of its first row.
class QADatasetBuilder {
 public:
  explicit QADatasetBuilder(std::string file);

  // `document.questions` is ignored; `question` is appended to the document with that text.
  void add(const Document& document, Question question);
  ReadReport& report() { return dataset_.report; }
  // The dataset, after checking the share of malformed records against `limits`.
  QADataset finish(const ReadLimits& limits) &&;

 private:
  QADataset dataset_;
  std::unordered_map<std::string, std::size_t> index_by_text_;
};

}  // namespace amem::data
