// Comparing two training runs' folders for exact resume: a resumed run's metrics.jsonl, best/
// and last/ must equal those of the run that was never stopped.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "amem/io/safetensors.h"
#include "support/temp_dir.h"

namespace amem::testing {

// metrics.jsonl lines without the wall-clock keys, which differ between any two runs.
inline std::vector<std::string> logged_values(const std::filesystem::path& run) {
  std::vector<std::string> out;
  std::istringstream lines(read_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::ordered_json::parse(line);
    for (const char* key : {"time", "tokens_per_s", "step_seconds"}) j.erase(key);
    out.push_back(j.dump());
  }
  return out;
}

// Every difference between the folders `a` and `b` (recursively): files present in one only,
// .safetensors files whose tensors differ (names, dtype or any bit), other files whose bytes
// differ. config.yaml is skipped: a resumed run's config names its checkpoint.
inline std::vector<std::string> folder_differences(const std::filesystem::path& a, const std::filesystem::path& b) {
  namespace fs = std::filesystem;
  auto files = [](const fs::path& root) {
    std::set<std::string> out;
    if (!fs::is_directory(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().filename() != "config.yaml") out.insert(fs::relative(e.path(), root).string());
    return out;
  };
  std::vector<std::string> differences;
  if (!fs::is_directory(a) || !fs::is_directory(b)) {
    differences.push_back("not both folders: " + a.string() + ", " + b.string());
    return differences;
  }
  const auto in_a = files(a), in_b = files(b);
  for (const auto& f : in_a)
    if (!in_b.count(f)) differences.push_back(f + ": only in " + a.string());
  for (const auto& f : in_b)
    if (!in_a.count(f)) differences.push_back(f + ": only in " + b.string());
  for (const auto& f : in_a) {
    if (!in_b.count(f)) continue;
    if (fs::path(f).extension() != ".safetensors") {
      if (read_file(a / f) != read_file(b / f)) differences.push_back(f + ": contents differ");
      continue;
    }
    const auto x = io::SafetensorsFile::open((a / f).string()), y = io::SafetensorsFile::open((b / f).string());
    if (x->entries().size() != y->entries().size()) differences.push_back(f + ": tensor counts differ");
    for (const auto& entry : x->entries()) {
      if (!y->contains(entry.name)) {
        differences.push_back(f + ": " + entry.name + " only in " + a.string());
        continue;
      }
      const auto s = x->load(entry.name), t = y->load(entry.name);
      if (s.scalar_type() != t.scalar_type() || !s.sizes().equals(t.sizes()) || !torch::equal(s, t))
        differences.push_back(f + ": tensor " + entry.name + " differs");
    }
  }
  return differences;
}

}  // namespace amem::testing
