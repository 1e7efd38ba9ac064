#include "amem/data/qa_dataset_reader.h"

#include <limits>

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
  QADataset dataset;
  try {
    dataset = read_by_format(source);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    // A file that does not parse is often a file of another format: say which one it was read as.
    if (source.format_key.empty()) throw;
    throw Error(std::string(e.what()) + " (read as " + source.format_key + ": " + source.format + ")");
  }
  // A range that runs past the file's last row would quietly give fewer questions than asked
  // for (the reference's select(range(...)) fails on it too).
  const auto in_range = dataset.report.records;
  const bool to_the_end = source.end_row == std::numeric_limits<std::size_t>::max();
  if (!source.rows_key.empty() && (in_range == 0 || (!to_the_end && source.first_row + in_range < source.end_row)))
    throw ConfigError(source.rows_key + ": rows [" + std::to_string(source.first_row) + ", " +
                      (to_the_end ? std::string("end") : std::to_string(source.end_row)) + ") run past the end of " +
                      source.path + " (" + std::to_string(source.first_row + in_range) +
                      " question rows or fewer; end -1 reads to the end)");
  if (dataset.question_count() == 0) {
    const auto& report = dataset.report;
    throw ConfigError((source.key.empty() ? "" : source.key + ": ") + source.path + ": no questions (" +
                      std::to_string(report.records) + " records, " + std::to_string(report.bad_count()) +
                      " malformed): nothing to evaluate, train or validate on");
  }
  return dataset;
}

}  // namespace amem::data
