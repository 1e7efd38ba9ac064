#include "amem/methods/gold_document.h"

#include <gtest/gtest.h>

#include "amem/models/load_causal_lm.h"
#include "amem/text/tokenizer.h"
#include "support/error_of.h"

using namespace amem;

namespace {

data::Question question(const std::string& id, const std::string& text) {
  data::Question q;
  q.id = id;
  q.text = text;
  return q;
}

data::Document document(const std::string& id, const std::string& text, std::vector<data::Question> questions) {
  data::Document d;
  d.id = id;
  d.text = text;
  d.questions = std::move(questions);
  return d;
}

}  // namespace

TEST(GoldDocument, AsksEachQuestionAfterItsOwnDocument) {
  const std::string dir = std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-llama";
  auto model = models::load_causal_lm(dir);
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(dir);
  eval::GreedyAnswerer plain(model, tokenizer, eval::AnswerOptions{6});
  methods::GoldDocument gold(eval::GreedyAnswerer(model, tokenizer, eval::AnswerOptions{6}));

  const auto q1 = question("q1", "Who won the game?"), q2 = question("q2", "Where was it played?");
  gold.absorb(document("d1", "The Broncos beat the Panthers.", {q1}));
  gold.absorb(document("d2", "It was played at Levi's Stadium.", {q2}));
  // The same answers as the plain answerer given the prompts written out by hand: the document,
  // a blank line, the question; each question under its own document, in one batch.
  const auto expected = plain.answer({question("q1", "The Broncos beat the Panthers.\n\nWho won the game?"),
                                      question("q2", "It was played at Levi's Stadium.\n\nWhere was it played?")});
  EXPECT_EQ(gold.answer({q1, q2}), expected);
  // And the document changes the prompt: without it the prompt is the question alone.
  EXPECT_NE(plain.prompt(q1), plain.prompt(question("q1", "The Broncos beat the Panthers.\n\nWho won the game?")));
}

TEST(GoldDocument, RefusesUnknownQuestionsAndIdsOfTwoDocuments) {
  const std::string dir = std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-llama";
  auto model = models::load_causal_lm(dir);
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(dir);
  methods::GoldDocument gold(eval::GreedyAnswerer(model, tokenizer, eval::AnswerOptions{6}));
  gold.absorb(document("d1", "A text.", {question("q1", "What?")}));
  EXPECT_EQ(amem::testing::error_of([&] { gold.answer({question("q9", "Who?")}); }),
            "gold_document: question 'q9' was asked before its document was absorbed");
  // The same document twice (a repeated paragraph) is fine; another document under the same id is not.
  EXPECT_EQ(amem::testing::error_of([&] { gold.absorb(document("d1", "A text.", {question("q1", "What?")})); }),
            "no error");
  EXPECT_EQ(amem::testing::error_of([&] { gold.absorb(document("d2", "Another text.", {question("q1", "What?")})); }),
            "gold_document: question id 'q1' belongs to two documents ('d2' and an earlier one); ids must be unique in the stream");
}
