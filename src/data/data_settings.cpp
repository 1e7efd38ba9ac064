#include "amem/data/data_settings.h"

#include "amem/config/config_path.h"
#include "amem/core/error.h"

namespace amem::data {

void DataSettings::declare(config::Schema& schema) {
  schema.section("data", "the question-answering data and the order documents are streamed in")
      .optional<std::string>("format", "file format; needed by commands that read data")
      .one_of({"streamingqa", "squad", "archivalqa"})
      .optional<std::string>("train_path", "training file of `amem train` and `amem qa-tune`")
      .optional<std::string>("val_path", "validation file: EM/F1 while training")
      .optional<std::string>("test_path", "test file streamed by `amem eval` (squad: .json or flat .csv)")
      .optional<std::vector<int64_t>>("train_rows", "squad: [first, end) question rows of train_path, in file order; end -1: to the end")
      .at_least(-1)
      .optional<std::vector<int64_t>>("val_rows", "squad: [first, end) question rows of val_path (as train_rows)")
      .at_least(-1)
      .optional<std::vector<int64_t>>("test_rows", "squad: [first, end) question rows of test_path (as train_rows)")
      .at_least(-1)
            .field<int64_t>("downsample_to", -1, "keep the first N documents (or rows) of the stream; -1 keeps all")
      .at_least(1)
      .or_exactly(-1)
      .field<std::string>("downsample_unit", "documents",
                          "what data.downsample_to counts: documents, or rows (questions, in file order when "
                          "data.shuffle is false; the document of a kept row is streamed)")
      .one_of({"documents", "rows"})
      .field<bool>("shuffle", true, "shuffle the stream by group (SQuAD title, ArchivalQA doc_id)")
      .field<int64_t>("seed", 0, "seed of the stream's shuffle")
      .at_least(0)
      .field<double>("max_bad_fraction", 0.01, "largest share of malformed rows a file may have")
      .at_least(0)
      .at_most(1);
}

namespace {

// The question-row range under `rows_key` ("data.train_rows"), if set, into `s`. Rows count
// questions in file order, as the reference's `select(range(start, end))` over the Hugging Face
// `squad` split does (MAC conf/dataset/squad.yaml:4-22, common/dataset.py:203-206), so that its
// train / validation / test split of one file is reproduced by keys rather than edited files.
void apply_row_range(const config::Config& config, const std::string& rows_key, DatasetSource& s) {
  if (config.is_null(rows_key)) return;
  const auto rows = config.get<std::vector<int64_t>>(rows_key);
  const std::string where = config.source_of(rows_key) + ": " + rows_key + ": ";
  if (s.format != "squad")
    throw ConfigError(where + "row ranges apply to the squad format only, not '" + s.format + "'");
  if (rows.size() != 2 || rows[0] < 0 || (rows[1] != -1 && rows[1] <= rows[0]))
    throw ConfigError(where + "expected [first, end] with 0 <= first < end (end -1: to the end of the file)");
  s.rows_key = config.source_of(rows_key) + ": " + rows_key;
  s.first_row = static_cast<std::size_t>(rows[0]);
  if (rows[1] != -1) s.end_row = static_cast<std::size_t>(rows[1]);
}

}  // namespace

// Paths are optional in the schema so that configs which read no data need no `data` section;
// a command that reads one asks here.
DatasetSource DataSettings::file(const config::Config& config, const std::string& path_key, const std::string& rows_key,
                                 const std::string& format_key, const std::string& purpose) {
  for (const std::string& key : {format_key, path_key})
    if (config.is_null(key)) throw ConfigError(config.source() + ": " + key + ": missing (the " + purpose + " is needed)");
  DatasetSource s;
  s.format = config.get<std::string>(format_key);
  s.key = path_key;
  s.format_key = format_key;
  s.path = config::existing_path(config, path_key, config::PathKind::file);
  s.limits.max_bad_fraction = config.get<double>("data.max_bad_fraction");
  apply_row_range(config, rows_key, s);
  return s;
}

DatasetSource DataSettings::train(const config::Config& config) {
  return file(config, "data.train_path", "data.train_rows", "data.format", "training data");
}

DatasetSource DataSettings::val(const config::Config& config) {
  return file(config, "data.val_path", "data.val_rows", "data.format", "validation data");
}

DataSettings DataSettings::from(const config::Config& config) {
  DataSettings s;
  s.test = file(config, "data.test_path", "data.test_rows", "data.format", "test data");
  s.stream.downsample_to = config.get<int64_t>("data.downsample_to");
  s.stream.downsample_unit =
      config.get<std::string>("data.downsample_unit") == "rows" ? DownsampleUnit::rows : DownsampleUnit::documents;
  s.stream.shuffle = config.get<bool>("data.shuffle");
  s.stream.seed = static_cast<uint64_t>(config.get<int64_t>("data.seed"));
  return s;
}

}  // namespace amem::data
