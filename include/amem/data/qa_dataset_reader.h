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
};

// Throws amem::ConfigError for an unknown format, amem::Error for unreadable data.
QADataset read_qa_dataset(const DatasetSource& source);

}  // namespace amem::data
