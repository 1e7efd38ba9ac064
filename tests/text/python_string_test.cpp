#include "amem/text/python_string.h"

#include <gtest/gtest.h>

using namespace amem::text;

TEST(PythonString, LowerFollowsPythonIncludingFinalSigmaAndExpansion) {
  EXPECT_EQ(python_lower("ÀÉÎ Zürich ABC"), "àéî zürich abc");
  // U+0130 lowers to two code points, i + combining dot above.
  EXPECT_EQ(python_lower("\u0130"), "i\u0307");
  // Capital sigma: final form at the end of a word, medial otherwise, alone stays medial.
  EXPECT_EQ(python_lower("ΟΔΟΣ ΣΟΦΟΣ."), "οδος σοφος.");
  EXPECT_EQ(python_lower("Σ"), "σ");
  // Full-width letters lower; ligatures have no lower-case form.
  EXPECT_EQ(python_lower("ＡＢＣ ﬁ"), "ａｂｃ ﬁ");
  // Invalid UTF-8 becomes U+FFFD as with errors="replace".
  EXPECT_EQ(python_lower("A\xff"), "a\uFFFD");
}

TEST(PythonString, SplitAndCharacterClasses) {
  EXPECT_EQ(python_split("  one\u3000two\u00a0three\u2009four\x1c five\n"),
            (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_TRUE(python_split(" \t\n").empty());
  EXPECT_TRUE(python_is_word_char(U'_'));
  EXPECT_TRUE(python_is_word_char(U'\u00e9'));
  EXPECT_TRUE(python_is_word_char(U'\u00b2'));   // superscript two: isalnum() (isdigit)
  EXPECT_FALSE(python_is_word_char(U'\u0301'));  // combining acute: not alphanumeric
  EXPECT_FALSE(python_is_word_char(U'-'));
  EXPECT_TRUE(python_isspace(U'\u2028'));
  EXPECT_FALSE(python_isspace(U'\u200b'));  // zero width space is not whitespace
}
