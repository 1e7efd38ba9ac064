#include "amem/train/lm_batch.h"

#include <gtest/gtest.h>

#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"

using namespace amem::train;

namespace {

std::vector<int64_t> row(const torch::Tensor& t, int64_t r) {
  const auto c = t[r].contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST(LmBatch, QaExamplesAreQuestionThenSpaceAnswerEosWithAnswerOnlyLabels) {
  const auto tokenizer = amem::text::load_tokenizer(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2");
  amem::data::Question long_q{"1", "who won the game", {"Denver"}, "Denver Broncos"};
  amem::data::Question short_q{"2", "when", {"1999"}, "1999"};
  const auto batch = qa_batch(*tokenizer, {&long_q, &short_q}, 64);

  const int64_t eos = *tokenizer->special().eos;
  const auto q = tokenizer->encode_for_model(long_q.text);
  const auto a = concat(tokenizer->encode(" Denver Broncos"), {eos});
  const auto full = concat(q, a);
  ASSERT_EQ(batch.input_ids.size(1), int64_t(full.size()));
  EXPECT_EQ(row(batch.input_ids, 0), full);
  std::vector<int64_t> labels(q.size(), kIgnoreIndex);
  EXPECT_EQ(row(batch.labels, 0), concat(labels, a));

  // The shorter row is right-padded: mask 0 and label -100 after its EOS.
  const auto q2 = tokenizer->encode_for_model(short_q.text);
  const auto a2 = concat(tokenizer->encode(" 1999"), {eos});
  const auto n2 = int64_t(q2.size() + a2.size());
  EXPECT_EQ(batch.attention_mask[1].sum().item<int64_t>(), n2);
  EXPECT_EQ(batch.labels[1].slice(0, n2).eq(kIgnoreIndex).all().item<bool>(), true);
  EXPECT_EQ(batch.tokens(), int64_t(full.size()) + n2);
}

TEST(LmBatch, TooLongQaExampleLosesTheStartOfItsQuestionNotItsAnswer) {
  const auto tokenizer = amem::text::load_tokenizer(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2");
  amem::data::Question q{"1", "which team represented the american football conference", {"Denver"}, "Denver"};
  const auto answer = concat(tokenizer->encode(" Denver"), {*tokenizer->special().eos});
  const int64_t limit = int64_t(answer.size()) + 2;
  const auto batch = qa_batch(*tokenizer, {&q}, limit);
  ASSERT_EQ(batch.input_ids.size(1), limit);
  const auto question = tokenizer->encode_for_model(q.text);
  const auto ids = row(batch.input_ids, 0);
  EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.begin() + 2),
            std::vector<int64_t>(question.end() - 2, question.end()));
  EXPECT_EQ(std::vector<int64_t>(ids.begin() + 2, ids.end()), answer);
}

TEST(LmBatch, ACutLlamaQuestionKeepsItsBosAsTheAnswererDoes) {
  const auto tokenizer = amem::text::load_tokenizer(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-llama");
  const int64_t bos = *tokenizer->special().bos;
  amem::data::Question q{"1", "which team represented the american football conference", {"Denver"}, "Denver"};
  const auto answer = concat(tokenizer->encode(" Denver"), {*tokenizer->special().eos});
  const auto question = tokenizer->encode_for_model(q.text);
  ASSERT_EQ(question.front(), bos);
  ASSERT_GT(question.size(), 4u);
  const auto batch = qa_batch(*tokenizer, {&q}, int64_t(answer.size()) + 3);
  const auto ids = row(batch.input_ids, 0);
  // BOS, the question's last two tokens, the answer.
  EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.begin() + 3),
            (std::vector<int64_t>{bos, question[question.size() - 2], question.back()}));
  EXPECT_EQ(std::vector<int64_t>(ids.begin() + 3, ids.end()), answer);
  EXPECT_EQ(tokenizer->keep_last(question, 3), std::vector<int64_t>(ids.begin(), ids.begin() + 3));
  EXPECT_EQ(tokenizer->keep_last(question, 1), std::vector<int64_t>{bos});
  EXPECT_TRUE(tokenizer->keep_last(question, 0).empty());
  EXPECT_EQ(tokenizer->keep_last(question, question.size()), question);
}

TEST(LmBatch, TextBatchesAreCutAndLabelledEverywhereButPadding) {
  const auto tokenizer = amem::text::load_tokenizer(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2");
  const auto batch = text_batch(*tokenizer, {"Super Bowl 50 was an American football game", "Denver"}, 5);
  const auto first = tokenizer->encode_for_model("Super Bowl 50 was an American football game");
  EXPECT_EQ(row(batch.input_ids, 0), std::vector<int64_t>(first.begin(), first.begin() + 5));
  EXPECT_EQ(row(batch.labels, 0), row(batch.input_ids, 0));
  const auto n = int64_t(tokenizer->encode_for_model("Denver").size());
  EXPECT_TRUE(batch.labels[1].slice(0, n).eq(kIgnoreIndex).all().item<bool>());
  EXPECT_TRUE(torch::equal(batch.labels[1].slice(0, 0, n), batch.input_ids[1].slice(0, 0, n)));
}
