// The `data` section of a config: the test file an online evaluation streams, and how the
// stream is drawn from it (qa_stream.h).
#pragma once

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
  static DataSettings from(const config::Config& config);
};

}  // namespace amem::data
