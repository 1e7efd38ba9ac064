#include "amem/text/gpt2_pretokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "amem/text/unicode_classes.h"
#include "amem/text/utf8.h"

namespace {

using amem::text::split_gpt2_words;

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  for (auto w : split_gpt2_words(text)) out.emplace_back(w);
  return out;
}

using Words = std::vector<std::string>;

}  // namespace

// Expected splits are those of Python's `regex` module on GPT-2's pattern.
TEST(Gpt2Pretokenizer, SplitsLikeGpt2Pattern) {
  EXPECT_EQ(words("Hello  world\n\n it's 2024!"),
            (Words{"Hello", " ", " world", "\n\n", " it", "'s", " 2024", "!"}));
  // Contractions are case-sensitive and cut even inside a word; a space before ' is a symbol.
  EXPECT_EQ(words("I'm we'll they'D 'sup"),
            (Words{"I", "'m", " we", "'ll", " they", "'", "D", " '", "sup"}));
  EXPECT_EQ(words(" 42 3.5"), (Words{" 42", " 3", ".", "5"}));
  EXPECT_EQ(words(" !?'s"), (Words{" !?'", "s"}));
}

TEST(Gpt2Pretokenizer, WhitespaceRunsLeaveTheirLastSpaceToTheNextWord) {
  EXPECT_EQ(words("x   "), (Words{"x", "   "}));                // trailing run stays whole
  EXPECT_EQ(words("a \n\tb"), (Words{"a", " \n", "\t", "b"}));  // \t alone: no " ?" prefix
  EXPECT_EQ(words("\n"), (Words{"\n"}));
  EXPECT_EQ(words("  "), (Words{"  "}));
  EXPECT_EQ(words(""), (Words{}));
}

TEST(Gpt2Pretokenizer, UnicodeClasses) {
  // U+00A0 and U+3000 are White_Space; only U+0020 may prefix a word.
  EXPECT_EQ(words("a\u00a0b\u3000 c"), (Words{"a", "\u00a0", "b", "\u3000", " c"}));
  // A combining accent (category Mn) is not a letter.
  EXPECT_EQ(words("e\u0301t\u00e9"), (Words{"e", "\u0301", "t\u00e9"}));
  EXPECT_EQ(words("\u216b\u00bd\u00b2"), (Words{"\u216b\u00bd\u00b2"}));  // Nl, No, No
  EXPECT_EQ(words("ab\u2028\u2029 c"), (Words{"ab", "\u2028\u2029", " c"}));
  // U+001C is not \s for the regex engines (though Python's isspace() says so); U+0085 is.
  EXPECT_EQ(words("  \x1c"), (Words{" ", " \x1c"}));
  EXPECT_EQ(words("  \u0085"), (Words{"  \u0085"}));
  EXPECT_EQ(words("x\U0001F389 y"), (Words{"x", "\U0001F389", " y"}));
}

TEST(Gpt2Pretokenizer, InvalidUtf8BytesAreSymbols) {
  EXPECT_EQ(words("a\xff\xfe"
                  "b c"),
            (Words{"a", "\xff\xfe", "b", " c"}));
  EXPECT_EQ(words(" \xe2\x82"), (Words{" \xe2\x82"}));  // a character cut short
}

TEST(UnicodeClasses, Boundaries) {
  using namespace amem::text;
  EXPECT_TRUE(is_letter(U'A'));
  EXPECT_FALSE(is_letter(U'@'));
  EXPECT_TRUE(is_letter(U'\u4e2d'));
  EXPECT_TRUE(is_letter(U'\u02c1'));
  EXPECT_FALSE(is_letter(U'\u02c2'));  // a modifier symbol (Sk) right after a range's end
  EXPECT_TRUE(is_number(U'0'));
  EXPECT_TRUE(is_number(U'\u0669'));  // ARABIC-INDIC DIGIT NINE
  EXPECT_FALSE(is_number(U'a'));
  EXPECT_TRUE(is_white_space(U'\t'));
  EXPECT_TRUE(is_white_space(U'\u3000'));
  EXPECT_FALSE(is_white_space(U'\u200b'));
  EXPECT_FALSE(is_letter(0x10FFFF));
}

TEST(Utf8, ReplacesMaximalInvalidSubpartsLikePython) {
  using amem::text::replace_invalid_utf8;
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(replace_invalid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(replace_invalid_utf8("\xe2\x82"), fffd);                    // one cut character
  EXPECT_EQ(replace_invalid_utf8("\xf0\x80\x80"), fffd + fffd + fffd);  // overlong: byte by byte
  EXPECT_EQ(replace_invalid_utf8("\xed\xa0\x80"), fffd + fffd + fffd);  // a surrogate
  EXPECT_EQ(replace_invalid_utf8("a\xc3"
                                 "b"),
            "a" + fffd + "b");
  EXPECT_EQ(replace_invalid_utf8("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // > U+10FFFF
}

TEST(Gpt2Pretokenizer, RandomBytesSplitIntoNonEmptyWordsThatConcatenateBack) {
  std::mt19937 random(7);
  // Bytes drawn mostly from ASCII letters, digits, spaces and symbols, plus any byte at all.
  const std::string alphabet = "ab Z9 '\n\t.!\xc3\xa9\xe2\x80\x83";
  for (int trial = 0; trial < 200; ++trial) {
    std::string text;
    const int length = static_cast<int>(random() % 40);
    for (int i = 0; i < length; ++i) {
      text += random() % 4 ? alphabet[random() % alphabet.size()] : static_cast<char>(random());
    }
    std::string joined;
    for (std::string_view word : split_gpt2_words(text)) {
      EXPECT_FALSE(word.empty());
      joined += word;
    }
    EXPECT_EQ(joined, text);
  }
}
