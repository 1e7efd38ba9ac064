#include "amem/data/qa_dataset_reader.h"

#include "amem/core/error.h"
#include "amem/data/archivalqa_reader.h"
#include "amem/data/squad_csv_reader.h"
#include "amem/data/squad_json_reader.h"
#include "amem/data/streamingqa_reader.h"

namespace amem::data {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

QADataset read_by_format(const DatasetSource& source) {
  if (source.format == "streamingqa") return read_streamingqa_csv(source.path, source.limits);
  if (source.format == "squad") {
    const SquadOptions options{source.limits, source.first_row, source.end_row};
    return ends_with(source.path, ".json") ? read_squad_json(source.path, options)
                                           : read_squad_csv(source.path, options);
  }
  if (source.format == "archivalqa") return read_archivalqa_csv(source.path, {source.limits, source.full_passage});
  throw ConfigError("dataset format '" + source.format + "' is not one of streamingqa, squad, archivalqa (" +
                    source.path + ")");
}

}  // namespace

QADataset read_qa_dataset(const DatasetSource& source) {
  QADataset dataset = read_by_format(source);
  if (dataset.question_count() == 0) {
    const auto& report = dataset.report;
    throw ConfigError((source.key.empty() ? "" : source.key + ": ") + source.path + ": no questions (" +
                      std::to_string(report.records) + " records, " + std::to_string(report.bad_count()) +
                      " malformed): nothing to evaluate, train or validate on");
  }
  return dataset;
}

}  // namespace amem::data
