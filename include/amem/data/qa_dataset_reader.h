// Reading a dataset file by format name, the one entry point configs use: a run names its
// train/val/test files as DatasetSource values and gets QADataset back.
#pragma once

#include <cstddef>
#include <limits>
#include <string>

#include "amem/data/qa_dataset.h"

namespace amem::data {

struct DatasetSource {
  std::string format;  // "streamingqa", "squad" (.json: official JSON, otherwise flat CSV), "archivalqa"
  std::string path;
  ReadLimits limits;
  std::size_t first_row = 0;                                      // squad only: row range
  std::size_t end_row = std::numeric_limits<std::size_t>::max();  // squad only
  bool full_passage = false;                                      // archivalqa only
  std::string key;  // the config key `path` came from ("data.test_path"), named in errors; may be empty
  std::string rows_key;  // the key the row range came from ("data.test_rows"); empty: no range set
  std::string format_key;  // the key `format` came from ("data.format"), named in read errors; may be empty
};

// Throws amem::ConfigError for an unknown format and for a file without a single good question
// (header only, `"data": []`, every row malformed or outside the row range): nothing could be
// trained or scored on it, and a score over no questions would read as a result. Throws
// amem::Error for unreadable data.
QADataset read_qa_dataset(const DatasetSource& source);

}  // namespace amem::data
