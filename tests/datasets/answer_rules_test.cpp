#include "amem/data/answer_rules.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "amem/data/python_literal.h"

using namespace amem::data;

TEST(AnswerRules, ShortestAnswerCountsCharactersAndTakesTheFirstOnATie) {
  EXPECT_EQ(shortest_answer({"Denver Broncos", "Broncos", "Denver"}), "Denver");
  // Ties: the first of the shortest, as Python's min does.
  const std::vector<std::string> tie = {"three", "abc", "xyz", "de f"};
  EXPECT_EQ(&shortest_answer(tie), &tie[1]);
  // Length is in characters: "éé" (2 characters, 4 bytes) is shorter than "abc" (3 and 3).
  EXPECT_EQ(shortest_answer({"abc", "\xC3\xA9\xC3\xA9"}), "\xC3\xA9\xC3\xA9");
}

TEST(AnswerRules, StripFollowsPythonWhitespace) {
  EXPECT_EQ(strip_whitespace("  What year? \t\n"), "What year?");
  // U+00A0 (no-break space) and U+3000 (ideographic space) are whitespace to Python.
  EXPECT_EQ(strip_whitespace("\xC2\xA0x y\xE3\x80\x80"), "x y");
  EXPECT_EQ(strip_whitespace(" \r\n "), "");
  // U+00E9 is not whitespace, and its bytes are kept whole.
  EXPECT_EQ(strip_whitespace(" \xC3\xA9 "), "\xC3\xA9");
}

TEST(AnswerRules, CapitalizeFirstOnlyLowerCaseFirstLetters) {
  EXPECT_EQ(capitalize_first("denver Broncos"), "Denver Broncos");
  EXPECT_EQ(capitalize_first("1990s"), "1990s");
  EXPECT_EQ(capitalize_first("Paris"), "Paris");
  EXPECT_EQ(capitalize_first("\xC3\xA9"
                             "cole"),
            "\xC3\x89"
            "cole");                                    // école -> École
  EXPECT_EQ(capitalize_first("\xC3\xB7"), "\xC3\xB7");  // ÷ is not a letter
  EXPECT_EQ(capitalize_first(""), "");
}

TEST(AnswerRules, DropBlankAnswers) {
  EXPECT_EQ(drop_blank_answers({"a", "", "  ", "b "}), (std::vector<std::string>{"a", "b "}));
}

TEST(PythonLiteral, ReadsTheAnswersDictPandasWrites) {
  auto value = parse_python_literal(
      "{'text': ['Denver Broncos', \"Carolina's Panthers\", 'a\\\\b \\'q\\' \\xe9\\u2013'], 'answer_start': [177, 2]}");
  ASSERT_EQ(value.kind, PythonLiteral::Kind::dict);
  const PythonLiteral* text = value.find("text");
  ASSERT_NE(text, nullptr);
  ASSERT_EQ(text->items.size(), 3u);
  EXPECT_EQ(text->items[0].text, "Denver Broncos");
  EXPECT_EQ(text->items[1].text, "Carolina's Panthers");
  EXPECT_EQ(text->items[2].text, "a\\b 'q' \xC3\xA9\xE2\x80\x93");
  const PythonLiteral* starts = value.find("answer_start");
  ASSERT_NE(starts, nullptr);
  EXPECT_EQ(starts->items[1].kind, PythonLiteral::Kind::number);
  EXPECT_EQ(starts->items[1].text, "2");
  EXPECT_EQ(value.find("missing"), nullptr);
  EXPECT_EQ(parse_python_literal("('a', None, True, [])").items.size(), 4u);
  // Octal escapes take up to three digits; unknown escapes stay as written.
  EXPECT_EQ(parse_python_literal("'\\0121\\d'").text, std::string("\n1\\d"));
}

TEST(PythonLiteral, RejectsWhatIsNotALiteral) {
  EXPECT_THROW(parse_python_literal("{'text': array(['x'], dtype=object)}"), amem::Error);
  EXPECT_THROW(parse_python_literal("['unclosed"), amem::Error);
  EXPECT_THROW(parse_python_literal("['a'] tail"), amem::Error);
  try {
    parse_python_literal("['a' 'b']");
    FAIL();
  } catch (const amem::Error& e) {
    EXPECT_STREQ(e.what(), "expected ',' or ']' at character 6");
  }
}
