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

// The file under `path_key`, read as data.format says. Paths are optional in the schema so
// that configs which read no data need no `data` section; a command that reads one asks here.
DatasetSource source(const config::Config& config, const std::string& path_key, const std::string& purpose) {
  for (const std::string& key : {std::string("data.format"), path_key})
    if (config.is_null(key)) throw ConfigError(config.source() + ": " + key + ": missing (the " + purpose + " is needed)");
  DatasetSource s;
  s.format = config.get<std::string>("data.format");
  s.key = path_key;
  s.path = config::existing_path(config, path_key, config::PathKind::file);
  s.limits.max_bad_fraction = config.get<double>("data.max_bad_fraction");
  return s;
}

}  // namespace

DatasetSource DataSettings::train(const config::Config& config) {
  return source(config, "data.train_path", "training data");
}

DatasetSource DataSettings::val(const config::Config& config) {
  return source(config, "data.val_path", "validation data");
}

DataSettings DataSettings::from(const config::Config& config) {
  DataSettings s;
  s.test = source(config, "data.test_path", "test data");
  s.stream.downsample_to = config.get<int64_t>("data.downsample_to");
  s.stream.downsample_unit =
      config.get<std::string>("data.downsample_unit") == "rows" ? DownsampleUnit::rows : DownsampleUnit::documents;
  s.stream.shuffle = config.get<bool>("data.shuffle");
  s.stream.seed = static_cast<uint64_t>(config.get<int64_t>("data.seed"));
  return s;
}

}  // namespace amem::data
