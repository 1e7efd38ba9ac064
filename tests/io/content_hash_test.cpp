#include "amem/io/content_hash.h"

#include <gtest/gtest.h>

using amem::io::ContentHash;

// Expected values worked out in Python with the same definition (FNV-1a's step over 8-byte
// little-endian words, then single bytes).
TEST(ContentHash, MatchesFnv1aOnShortInputsAndTheWordRuleOnLongerOnes) {
  EXPECT_EQ(ContentHash().hex(), "cbf29ce484222325");                 // the FNV-1a 64 offset basis
  EXPECT_EQ(ContentHash().update("a", 1).hex(), "af63dc4c8601ec8c");  // textbook FNV-1a 64 of "a"
  EXPECT_EQ(ContentHash().update("abcdefghi", 9).hex(), "e8f77a2949db571f");
}

TEST(ContentHash, TensorsHashTheirValuesDtypeAndShape) {
  const auto t = torch::arange(6, torch::kFloat32);
  const auto same = ContentHash().update(t.clone()).hex();
  EXPECT_EQ(ContentHash().update(t).hex(), same);
  EXPECT_EQ(ContentHash().update(t.view({2, 3}).t()).hex(), ContentHash().update(t.view({2, 3}).t().contiguous()).hex());
  EXPECT_NE(ContentHash().update(t.view({2, 3})).hex(), same);          // same bytes, other shape
  EXPECT_NE(ContentHash().update(t.to(torch::kInt32)).hex(), same);     // other dtype
  auto changed = t.clone();
  changed[5] = 5.0001f;
  EXPECT_NE(ContentHash().update(changed).hex(), same);
  // Strings carry their length, so the split between two updates matters.
  EXPECT_NE(ContentHash().update(std::string("ab")).update(std::string("c")).hex(),
            ContentHash().update(std::string("a")).update(std::string("bc")).hex());
}
