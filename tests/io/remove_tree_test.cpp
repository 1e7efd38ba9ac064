#include "amem/io/remove_tree.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

TEST(RemoveTree, RemovesNestedFoldersAndFilesAndIgnoresAMissingPath) {
  const auto dir = amem::testing::fresh_dir("RemoveTree_nested");
  fs::create_directories(dir / "a" / "b" / "c");
  std::ofstream(dir / "a" / "file.txt") << "x";
  std::ofstream(dir / "a" / "b" / "c" / "deep.txt") << "y";
  fs::create_symlink(dir / "a" / "file.txt", dir / "a" / "b" / "link");
  amem::io::remove_tree((dir / "a").string());
  EXPECT_FALSE(fs::exists(dir / "a"));
  EXPECT_TRUE(fs::exists(dir));
  EXPECT_NO_THROW(amem::io::remove_tree((dir / "a").string()));
  std::ofstream(dir / "plain.txt") << "z";
  amem::io::remove_tree((dir / "plain.txt").string());
  EXPECT_FALSE(fs::exists(dir / "plain.txt"));
}

// std::filesystem::remove_all calls through a null pointer in binaries built against the GPU
// image's LibTorch 2.11 (its libtorch.so carries a copy of the symbol that wins at link time;
// scripts/device/check.sh caught three tests crashing in it), so no source of amem may call it:
// amem::io::remove_tree (nftw) is the one way to delete a tree.
TEST(RemoveTree, NoSourceCallsStdFilesystemRemoveAll) {
  const std::string needle = std::string("remove") + "_all(";
  for (const char* folder : {"src", "include", "tests", "bench"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(AMEM_SOURCE_DIR) / folder)) {
      const auto extension = entry.path().extension();
      if (!entry.is_regular_file() || (extension != ".cpp" && extension != ".h")) continue;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(text.find(needle), std::string::npos)
          << entry.path() << " calls std::filesystem's remove" << "_all; use amem::io::remove_tree";
    }
  }
}
