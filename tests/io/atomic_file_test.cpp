#include "amem/io/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("amem_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(AtomicFile, WritesContentsAndCreatesFolders) {
  auto dir = fresh_dir("atomic_write");
  auto path = dir / "a" / "b" / "file.txt";
  amem::io::write_file_atomic(path.string(), std::string_view("hello"));
  EXPECT_EQ(read_all(path), "hello");
}

TEST(AtomicFile, FailedWriteKeepsOldFileAndLeavesNoTemporary) {
  auto dir = fresh_dir("atomic_fail");
  auto path = dir / "file.txt";
  amem::io::write_file_atomic(path.string(), std::string_view("old"));
  EXPECT_THROW(amem::io::write_file_atomic(path.string(),
                                           [](std::ostream& out) {
                                             out << "half of the new";
                                             throw std::runtime_error("interrupted");
                                           }),
               std::runtime_error);
  EXPECT_EQ(read_all(path), "old");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}
