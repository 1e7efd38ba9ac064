#include "amem/io/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

using amem::testing::fresh_dir;
using amem::testing::read_file;

TEST(AtomicFile, WritesContentsAndCreatesFolders) {
  auto dir = fresh_dir("atomic_write");
  auto path = dir / "a" / "b" / "file.txt";
  amem::io::write_file_atomic(path.string(), std::string_view("hello"));
  EXPECT_EQ(read_file(path), "hello");
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
  EXPECT_EQ(read_file(path), "old");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}
