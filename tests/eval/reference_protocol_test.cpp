#include "amem/eval/reference_protocol.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "amem/eval/squad_metric.h"
#include "amem/text/tokenizer.h"
#include "support/error_of.h"

using namespace amem;
using eval::gold_prefix_exact_match;

namespace {

std::unique_ptr<text::Tokenizer> tokenizer(const std::string& name) {
  return text::load_tokenizer(std::string(AMEM_TEST_DATA_DIR) + "/models/" + name);
}

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST(ReferenceProtocol, GoldPrefixExactMatchCountsPredictionsThatStartWithTheGold) {
  // Hand-worked on normalised strings; `exact_match` (strict, official) alongside where they differ.
  EXPECT_EQ(gold_prefix_exact_match("Paris", "Paris"), 1.0);
  // "parisian mayor" cut to 5 characters is "paris".
  EXPECT_EQ(gold_prefix_exact_match("Parisian mayor", "Paris"), 1.0);
  EXPECT_EQ(eval::exact_match("Parisian mayor", "Paris"), 0.0);
  // Articles and punctuation go first: "the Denver Broncos, 24-10" -> "denver broncos 2410".
  EXPECT_EQ(gold_prefix_exact_match("the Denver Broncos, 24-10", "Denver Broncos"), 1.0);
  EXPECT_EQ(eval::exact_match("the Denver Broncos, 24-10", "Denver Broncos"), 0.0);
  // A shorter prediction never matches: "pari" != "paris".
  EXPECT_EQ(gold_prefix_exact_match("Pari", "Paris"), 0.0);
  // The gold must be at the start: "denver broncos"[:7] is "denver ".
  EXPECT_EQ(gold_prefix_exact_match("Denver Broncos", "Broncos"), 0.0);
  // A gold that normalises to "" matches anything, the empty prediction included.
  EXPECT_EQ(gold_prefix_exact_match("Carolina Panthers", "The"), 1.0);
  EXPECT_EQ(gold_prefix_exact_match("", "The"), 1.0);
  EXPECT_EQ(eval::exact_match("Carolina Panthers", "The"), 0.0);
  // Characters, not bytes: "zoé" is 3 code points (4 bytes).
  EXPECT_EQ(gold_prefix_exact_match("Zoé Dupont", "Zoé"), 1.0);
  EXPECT_EQ(gold_prefix_exact_match("Zoe", "Zoé"), 0.0);
}

TEST(ReferenceProtocol, F1IsTheSquadTokenF1AgainstTheOneGoldNotCut) {
  // "parisian mayor" vs "paris": no shared token, so F1 0 although EM is 1.
  auto s = eval::reference_score("Parisian mayor", "Paris");
  EXPECT_EQ(s.exact_match, 1.0);
  EXPECT_EQ(s.f1, 0.0);
  // "paris france" vs "paris": P 1/2, R 1, F1 2/3; EM 1 (prefix).
  s = eval::reference_score("Paris, France", "Paris");
  EXPECT_EQ(s.exact_match, 1.0);
  EXPECT_DOUBLE_EQ(s.f1, 2.0 / 3.0);
}

TEST(ReferenceProtocol, OneGoldAndAllGoldsDisagreeBothWays) {
  // Golds as SQuAD lists them; the reference's single gold is the shortest ("Broncos").
  const std::vector<std::string> golds = {"Denver Broncos", "Broncos"};
  // Official: equals the first gold. Reference: "denver " != "broncos"; F1 P 1/2 R 1 = 2/3.
  const auto official = eval::score_answer("Denver Broncos", golds);
  const auto reference = eval::reference_score("Denver Broncos", "Broncos");
  EXPECT_EQ(official.exact_match, 1.0);
  EXPECT_EQ(official.f1, 1.0);
  EXPECT_EQ(reference.exact_match, 0.0);
  EXPECT_DOUBLE_EQ(reference.f1, 2.0 / 3.0);
  // The other way: "Broncos, the champions" -> "broncos champions" starts with "broncos"
  // (reference EM 1) but equals no gold (official EM 0); F1 against "broncos" P 1/2 R 1 = 2/3,
  // against "denver broncos" P 1/2 R 1/2 = 1/2, so both F1 are 2/3.
  EXPECT_EQ(eval::score_answer("Broncos, the champions", golds).exact_match, 0.0);
  EXPECT_DOUBLE_EQ(eval::score_answer("Broncos, the champions", golds).f1, 2.0 / 3.0);
  EXPECT_EQ(eval::reference_score("Broncos, the champions", "Broncos").exact_match, 1.0);
}

TEST(ReferenceProtocol, DecodeToCleanTextSkipsSpecialTokensCleansUpAndStrips) {
  const auto gpt2 = tokenizer("tiny-gpt2");
  const int64_t eos = *gpt2->special().eos;
  const auto ids = concat(gpt2->encode(" \tJohn 's dog , he said ?  "), {eos, eos});
  EXPECT_EQ(eval::decode_to_clean_text(*gpt2, ids), "John's dog, he said?");
}

TEST(ReferenceProtocol, PredictionIsTheWholeOutputLessTheQuestionsCharacters) {
  const auto gpt2 = tokenizer("tiny-gpt2");
  const int64_t eos = *gpt2->special().eos;
  // Hand-made output: the question, a first line, a newline and more, then EOS padding.
  const auto prompt = gpt2->encode("Who won Super Bowl 50 ?");
  const auto generated = concat(gpt2->encode(" Denver Broncos\nQuestion: who 's next ?"), {eos, eos, eos});
  // Whole output, cleaned: "Who won Super Bowl 50? Denver Broncos\nQuestion: who's next?";
  // question, cleaned: "Who won Super Bowl 50?" (22 characters). Nothing is cut at the newline.
  EXPECT_EQ(eval::reference_prediction(*gpt2, prompt, generated), " Denver Broncos\nQuestion: who's next?");
  // Slices count characters: "Où est né Zoé?" is 14 characters (17 bytes).
  EXPECT_EQ(eval::reference_prediction(*gpt2, gpt2->encode("Où est né Zoé?"), gpt2->encode(" à Paris")), " à Paris");
  // The clean-up reaches across the question's end: "Is it John" + " 's" reads "Is it John's".
  EXPECT_EQ(eval::reference_prediction(*gpt2, gpt2->encode("Is it John"), gpt2->encode(" 's")), "'s");
  // Only EOS: nothing; trailing spaces are stripped with the whole output.
  EXPECT_EQ(eval::reference_prediction(*gpt2, prompt, {eos, eos}), "");
  EXPECT_EQ(eval::reference_prediction(*gpt2, prompt, gpt2->encode(" Denver  \n ")), " Denver");
}

TEST(ReferenceProtocol, PredictionSkipsTheBosOfBothTexts) {
  const auto llama = tokenizer("tiny-llama");
  ASSERT_TRUE(llama->special().add_bos);
  const auto prompt = llama->encode_for_model("Who won?");
  ASSERT_EQ(prompt.front(), *llama->special().bos);
  const std::string whole = llama->decode(concat(prompt, llama->encode(" Denver")));
  const std::string question = llama->decode(prompt);
  ASSERT_EQ(whole.substr(0, question.size()), question);
  EXPECT_EQ(eval::reference_prediction(*llama, prompt, llama->encode(" Denver")), whole.substr(question.size()));
}

TEST(ReferenceProtocol, GoldIsTheTargetCutToItsFirstTokensAndDecodedClean) {
  const auto gpt2 = tokenizer("tiny-gpt2");
  // Within the cut: " John 's dog" decodes back, cleaned and stripped.
  EXPECT_EQ(eval::reference_gold(*gpt2, "John 's dog", 24), "John's dog");
  EXPECT_EQ(eval::reference_gold(*gpt2, "Santa Clara", 24), "Santa Clara");
  // Cut: tiny-gpt2's 601-id vocabulary spells " Santa Clara, California" as " S" "ant" "a" " C"
  // "l" "ar" "a" "," ... (15 ids), so 3 ids read " Santa" and 4 " Santa C", stripped.
  ASSERT_EQ(gpt2->encode(" Santa Clara, California").size(), 15u);
  EXPECT_EQ(eval::reference_gold(*gpt2, "Santa Clara, California", 3), "Santa");
  EXPECT_EQ(eval::reference_gold(*gpt2, "Santa Clara, California", 4), "Santa C");
  EXPECT_EQ(eval::reference_gold(*gpt2, "Santa Clara, California", 15), "Santa Clara, California");
  // LLaMA's BOS counts toward the cut: one id leaves only the BOS, which decodes to nothing.
  const auto llama = tokenizer("tiny-llama");
  EXPECT_EQ(eval::reference_gold(*llama, "Paris", 1), "");
  EXPECT_EQ(eval::reference_gold(*llama, "Paris", 24), "Paris");
  EXPECT_EQ(amem::testing::error_of([&] { eval::reference_gold(*gpt2, "Paris", 0); }),
            "reference_gold: max_tokens must be at least 1, got 0");
}
