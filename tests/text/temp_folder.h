// A fresh folder under the system temp directory for tests that write tokenizer files.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace amem::test {

inline std::filesystem::path fresh_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("amem_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

}  // namespace amem::test
