// Reading a training run's metrics.jsonl (run/metrics_log.h) in tests.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace amem::testing {

// The values logged under `key` in the metrics.jsonl file at `path`, in order.
inline std::vector<double> logged(const std::filesystem::path& path, const std::string& key) {
  std::vector<double> values;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains(key)) values.push_back(j[key].get<double>());
  }
  return values;
}

}  // namespace amem::testing
