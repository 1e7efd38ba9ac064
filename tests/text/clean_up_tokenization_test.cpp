#include "amem/text/clean_up_tokenization.h"

#include <gtest/gtest.h>

using amem::text::clean_up_tokenization;

TEST(CleanUpTokenization, EachOfTheTenRulesDropsTheSpaceBeforeIt) {
  EXPECT_EQ(clean_up_tokenization("Paris ."), "Paris.");
  EXPECT_EQ(clean_up_tokenization("Who ?"), "Who?");
  EXPECT_EQ(clean_up_tokenization("Go !"), "Go!");
  EXPECT_EQ(clean_up_tokenization("red , blue"), "red, blue");
  EXPECT_EQ(clean_up_tokenization("rock ' n"), "rock'n");
  EXPECT_EQ(clean_up_tokenization("do n't"), "don't");
  EXPECT_EQ(clean_up_tokenization("I 'm"), "I'm");
  EXPECT_EQ(clean_up_tokenization("John 's dog"), "John's dog");
  EXPECT_EQ(clean_up_tokenization("we 've"), "we've");
  EXPECT_EQ(clean_up_tokenization("they 're"), "they're");
}

TEST(CleanUpTokenization, LeavesEverythingElseAsItIs) {
  // Not rules: a space before ';', ':', ')', "'ll", "'d", a quote with no space after it; a
  // space after '('; a tab before '.'.
  const std::string untouched = "a ; b : ( c ) we 'll he 'd 'x\nZoé\t.";
  EXPECT_EQ(clean_up_tokenization(untouched), untouched);
  EXPECT_EQ(clean_up_tokenization(""), "");
}

TEST(CleanUpTokenization, RulesRunInOrderOverTheWholeTextLikeStrReplace) {
  // Every occurrence, each rule once: "  ." loses one space (the match " ." is not rescanned).
  EXPECT_EQ(clean_up_tokenization("a  . b ."), "a . b.");
  // " ' " runs before " 's": "it ' s" becomes "it's", never "it 's".
  EXPECT_EQ(clean_up_tokenization("it ' s"), "it's");
  // " ." runs before " 's", so " 's ." becomes "'s.".
  EXPECT_EQ(clean_up_tokenization("John 's ."), "John's.");
}
