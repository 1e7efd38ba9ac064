#include "amem/data/qa_dataset.h"

#include <spdlog/spdlog.h>

namespace amem::data {

std::size_t QADataset::question_count() const {
  std::size_t count = 0;
  for (const auto& document : documents) count += document.questions.size();
  return count;
}

QADatasetBuilder::QADatasetBuilder(std::string file) { dataset_.report.file = std::move(file); }

void QADatasetBuilder::add(const Document& document, Question question) {
  auto [it, inserted] = index_by_text_.emplace(document.text, dataset_.documents.size());
  if (inserted) {
    Document copy{document.id, document.title, document.group, document.text, {}};
    dataset_.documents.push_back(std::move(copy));
  }
  dataset_.documents[it->second].questions.push_back(std::move(question));
}

QADataset QADatasetBuilder::finish(const ReadLimits& limits) && {
  check_bad_fraction(dataset_.report, limits);
  const auto& report = dataset_.report;
  spdlog::info("{}: {} documents, {} questions from {} records ({} malformed, skipped)", report.file,
               dataset_.documents.size(), dataset_.question_count(), report.records, report.bad_count());
  return std::move(dataset_);
}

}  // namespace amem::data
