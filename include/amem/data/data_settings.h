// The `data` section of a config: the training and validation files that training reads, the
// test file an online evaluation streams, and how the stream is drawn from it (qa_stream.h).
#pragma once

#include <optional>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/data/qa_dataset_reader.h"
#include "amem/data/qa_stream.h"

namespace amem::data {

struct DataSettings {
  DatasetSource test;     // format, path and the malformed-row limit
  StreamOptions stream;   // shuffle, seed, downsample_to

  static void declare(config::Schema& schema);
  // The test data; throws ConfigError when data.format or data.test_path is missing, or the
  // path is not an existing file (config/config_path.h).
  static DataSettings from(const config::Config& config);
  // data.train_path / data.val_path read like the test file (format, malformed-row limit);
  // throws ConfigError naming the key when it (or data.format) is missing or not a file.
  static DatasetSource train(const config::Config& config);
  static DatasetSource val(const config::Config& config);
  // Any data file named by keys: `path_key` (a file), `rows_key` (a squad row range, may be null)
  // and `format_key`; ConfigError naming the key, as above, with `purpose` in the message.
  static DatasetSource file(const config::Config& config, const std::string& path_key, const std::string& rows_key,
                            const std::string& format_key, const std::string& purpose);
};

}  // namespace amem::data
