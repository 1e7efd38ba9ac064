#include "amem/eval/greedy_answerer.h"

#include <gtest/gtest.h>

#include "amem/generation/group_beam_search.h"
#include "amem/models/kv_cache.h"
#include "amem/models/load_causal_lm.h"
#include "amem/text/tokenizer.h"
#include "support/error_of.h"

using namespace amem;

namespace {

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

data::Question question(const std::string& text) {
  data::Question q;
  q.text = text;
  return q;
}

std::string long_question() {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Before the island of Korra held its election, ";
  return text + "who was elected mayor?";
}

}  // namespace

TEST(GreedyAnswerer, AQuestionLongerThanTheContextKeepsItsLastTokensAndItsBos) {
  // tiny-gpt2: context 64, no BOS; tiny-llama: context 128, BOS first.
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    auto model = models::load_causal_lm(fixture(name));
    std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture(name));
    const int64_t max_new_tokens = 6, context = model->shape().max_positions;
    eval::GreedyAnswerer answerer(model, tokenizer, eval::AnswerOptions{max_new_tokens});

    const auto full = tokenizer->encode_for_model(long_question());
    ASSERT_GT(int64_t(full.size()), context) << name;
    const auto prompt = answerer.prompt(question(long_question()));
    ASSERT_EQ(int64_t(prompt.size()), context - max_new_tokens) << name;
    const bool bos = tokenizer->special().add_bos;
    EXPECT_EQ(bos, name == "tiny-llama");
    if (bos) EXPECT_EQ(prompt.front(), full.front()) << name;
    EXPECT_TRUE(std::equal(prompt.begin() + (bos ? 1 : 0), prompt.end(), full.end() - int64_t(prompt.size()) + (bos ? 1 : 0)))
        << name;
    // A short question is left whole, and both are answered in one batch.
    EXPECT_EQ(answerer.prompt(question("Who?")), tokenizer->encode_for_model("Who?")) << name;
    EXPECT_EQ(answerer.answer({question(long_question()), question("Who?")}).size(), 2u) << name;
  }
}

TEST(GreedyAnswerer, MaxNewTokensThatFillTheContextIsAnError) {
  auto model = models::load_causal_lm(fixture("tiny-gpt2"));
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-gpt2"));
  EXPECT_EQ(amem::testing::error_of([&] { eval::GreedyAnswerer(model, tokenizer, eval::AnswerOptions{63}); }),
            "eval.max_new_tokens = 63 leaves no room for a question in the model's context of 64 tokens");
  EXPECT_EQ(amem::testing::error_of([&] { eval::GreedyAnswerer(model, tokenizer, eval::AnswerOptions{62}); }), "no error");
  // A prefix takes its positions from the question's.
  eval::GreedyAnswerer answerer(model, tokenizer, eval::AnswerOptions{6});
  EXPECT_EQ(answerer.prompt(question(long_question()), 20).size(), 64u - 20u - 6u);
  EXPECT_EQ(amem::testing::error_of([&] { answerer.prompt(question("Who?"), 57); }),
            "eval.max_new_tokens = 6 and a prefix of 57 positions leave no room for a question in the model's "
            "context of 64 tokens");
}

TEST(GreedyAnswerer, PromptMaxTokensKeepsTheLastTokensLikeTheReferenceBosIncluded) {
  // tiny-llama (context 128, BOS first): the reference's cut is a plain slice, so the BOS goes.
  auto model = models::load_causal_lm(fixture("tiny-llama"));
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-llama"));
  const auto full = tokenizer->encode_for_model(long_question());
  eval::AnswerOptions options{6};
  options.prompt_max_tokens = 10;
  const eval::GreedyAnswerer answerer(model, tokenizer, options);
  const auto prompt = answerer.prompt(question(long_question()));
  EXPECT_EQ(prompt, std::vector<int64_t>(full.end() - 10, full.end()));
  EXPECT_NE(prompt.front(), *tokenizer->special().bos);
  // A prompt within the cut is left whole, BOS and all.
  EXPECT_EQ(answerer.prompt(question("Who?")), tokenizer->encode_for_model("Who?"));
  // The context's budget (128 - 6 new tokens) applies after the cut: a cut that does not bite
  // leaves it in charge, and it keeps the BOS ...
  options.prompt_max_tokens = int64_t(full.size());
  const auto budget_cut = eval::GreedyAnswerer(model, tokenizer, options).prompt(question(long_question()));
  ASSERT_EQ(budget_cut.size(), 128u - 6u);
  EXPECT_EQ(budget_cut.front(), *tokenizer->special().bos);
  // ... unless the cut has already dropped it: then the last 122 tokens, no BOS.
  options.prompt_max_tokens = int64_t(full.size()) - 1;
  EXPECT_EQ(eval::GreedyAnswerer(model, tokenizer, options).prompt(question(long_question())),
            std::vector<int64_t>(full.end() - 122, full.end()));
}

TEST(GreedyAnswerer, PredictionTextFollowsTheRuleOnHandMadeTokens) {
  auto model = models::load_causal_lm(fixture("tiny-gpt2"));
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-gpt2"));
  const int64_t eos = *tokenizer->special().eos;
  const auto prompt = tokenizer->encode("Who won Super Bowl 50 ?");
  auto generated = tokenizer->encode(" Denver Broncos 's team\nQuestion: who ?");
  generated.insert(generated.end(), {eos, eos});
  eval::AnswerOptions options{16};
  // amem: the new tokens' text to the first newline, trimmed, not cleaned up.
  EXPECT_EQ(eval::GreedyAnswerer(model, tokenizer, options).prediction(prompt, generated), "Denver Broncos 's team");
  // Reference: everything after the question's characters, cleaned up, newline and all.
  options.prediction_text = eval::PredictionText::reference;
  EXPECT_EQ(eval::GreedyAnswerer(model, tokenizer, options).prediction(prompt, generated),
            " Denver Broncos's team\nQuestion: who?");
}

TEST(GreedyAnswerer, GroupBeamAnswersEachQuestionAloneUnderItsOwnPrefixRow) {
  auto model = models::load_causal_lm(fixture("tiny-gpt2"));
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-gpt2"));
  eval::AnswerOptions options;
  options.max_new_tokens = 6;
  options.decoding = eval::Decoding::group_beam;  // the reference's 12 beams, 4 groups, penalty 10
  eval::GreedyAnswerer answerer(model, tokenizer, options);
  // Two prefix rows of random keys and values, one per question (MAC's modulations).
  torch::manual_seed(5);
  const auto& shape = model->shape();
  models::Prefix prefix;
  for (int64_t l = 0; l < shape.num_layers; ++l) {
    prefix.keys.push_back(torch::randn({2, shape.num_kv_heads, 2, shape.head_dim}));
    prefix.values.push_back(torch::randn({2, shape.num_kv_heads, 2, shape.head_dim}));
  }
  const std::vector<data::Question> questions = {question("Who won the game?"),
                                                 question("Where was the final held in the end?")};
  const auto answers = answerer.answer(questions, &prefix);
  ASSERT_EQ(answers.size(), 2u);
  generation::GenerationOptions search;
  search.max_new_tokens = 6;
  generation::use_special_tokens(search, tokenizer->special());
  search.num_beams = 12;
  search.num_beam_groups = 4;
  search.diversity_penalty = 10;
  search.early_stopping = true;
  std::vector<std::string> under_other_row;
  for (int64_t r = 0; r < 2; ++r) {
    const auto ids = answerer.prompt(questions[size_t(r)], 2);
    const auto row = torch::tensor(ids, torch::kLong).view({1, -1});
    std::vector<std::string> texts;
    for (const int64_t prefix_row : {r, 1 - r}) {
      models::Prefix own;
      for (int64_t l = 0; l < shape.num_layers; ++l) {
        own.keys.push_back(prefix.keys[size_t(l)].narrow(0, prefix_row, 1));
        own.values.push_back(prefix.values[size_t(l)].narrow(0, prefix_row, 1));
      }
      const auto result = generation::group_beam_search(*model, {row, torch::ones_like(row), &own}, search);
      texts.push_back(answerer.prediction(ids, result.tokens));
    }
    EXPECT_EQ(answers[size_t(r)], texts[0]) << r;
    under_other_row.push_back(texts[1]);
  }
  // The prefix matters here: under the other question's row, some answer changes.
  EXPECT_NE(under_other_row, answers);
}
