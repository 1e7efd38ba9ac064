// mac.qa_layout: reference — the MAC reference's fixed-width QA rows and cut rules
// (M:common/dataset.py:66-95; docs/reference_protocol.md §9).
#include "amem/methods/mac/reference_qa_layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "amem/core/error.h"
#include "amem/methods/mac/mac_training_task.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"
#include "support/tiny_mac_config.h"

using amem::methods::reference_qa_batch;
using amem::train::kIgnoreIndex;

namespace {

using Ids = std::vector<int64_t>;

Ids row(const torch::Tensor& t, int64_t r) {
  const auto c = t[r].contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

Ids concat(Ids a, const Ids& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Ids part(const Ids& v, size_t begin, size_t end) { return {v.begin() + long(begin), v.begin() + long(end)}; }

Ids masked(size_t n) { return Ids(n, kIgnoreIndex); }

struct Row {
  Ids question, answer;  // as the reference tokenizes them: question; " " + answer + EOS
};

Row tokens_of(const amem::text::Tokenizer& tokenizer, const amem::data::Question& q) {
  return {tokenizer.encode_for_model(q.text),
          concat(tokenizer.encode_for_model(" " + q.target), {*tokenizer.special().eos})};
}

const amem::data::Question kQuestion{"1", "which team represented the american football conference", {"Denver"},
                                     "Denver Broncos"};

std::string model(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

}  // namespace

TEST(MacReferenceQaLayout, ShortRowsArePaddedToTheFixedWidthWithEos) {
  const auto tokenizer = amem::text::load_tokenizer(model("tiny-gpt2"));
  const auto [q, a] = tokens_of(*tokenizer, kQuestion);
  const int64_t width = int64_t(q.size() + a.size()) + 3;
  const auto batch = reference_qa_batch(*tokenizer, {&kQuestion}, width, 24);
  const int64_t eos = *tokenizer->special().eos;
  ASSERT_EQ(batch.input_ids.size(0), 1);
  ASSERT_EQ(batch.input_ids.size(1), width);
  EXPECT_EQ(row(batch.input_ids, 0), concat(concat(q, a), {eos, eos, eos}));
  EXPECT_EQ(batch.attention_mask.sum().item<int64_t>(), width - 3);
  EXPECT_EQ(row(batch.labels, 0), concat(concat(masked(q.size()), a), masked(3)));
}

TEST(MacReferenceQaLayout, RowsJustOverTheWidthLoseTheEndOfTheirAnswer) {
  // qa_tokens + 1 .. qa_tokens + answer_tokens: the reference's negative F.pad crops the right end,
  // so the EOS (and here one answer token) is no longer learned.
  const auto tokenizer = amem::text::load_tokenizer(model("tiny-gpt2"));
  const auto [q, a] = tokens_of(*tokenizer, kQuestion);
  ASSERT_GE(a.size(), 3u);
  const size_t width = q.size() + a.size() - 2;
  const auto batch = reference_qa_batch(*tokenizer, {&kQuestion}, int64_t(width), 2);
  EXPECT_EQ(row(batch.input_ids, 0), part(concat(q, a), 0, width));
  EXPECT_EQ(row(batch.labels, 0), concat(masked(q.size()), part(a, 0, a.size() - 2)));
  EXPECT_EQ(batch.attention_mask.sum().item<int64_t>(), int64_t(width));
}

TEST(MacReferenceQaLayout, RowsPastWidthPlusAnswerAllowanceKeepTheirLastTokens) {
  const auto tokenizer = amem::text::load_tokenizer(model("tiny-gpt2"));
  const auto [q, a] = tokens_of(*tokenizer, kQuestion);
  ASSERT_GE(q.size(), 4u);
  // One token over width + allowance: the row's first (length - width) tokens go, all from the question.
  const size_t width = a.size() + 3, allowance = q.size() - 4;
  const auto batch = reference_qa_batch(*tokenizer, {&kQuestion}, int64_t(width), int64_t(allowance));
  EXPECT_EQ(row(batch.input_ids, 0), concat(part(q, q.size() - 3, q.size()), a));
  EXPECT_EQ(row(batch.labels, 0), concat(masked(3), a));
  // A cut deeper than the question removes it and the answer's start; nothing is masked.
  const auto deep = reference_qa_batch(*tokenizer, {&kQuestion}, int64_t(a.size() - 1), 0);
  EXPECT_EQ(row(deep.input_ids, 0), part(a, 1, a.size()));
  EXPECT_EQ(row(deep.labels, 0), part(a, 1, a.size()));
}

TEST(MacReferenceQaLayout, LlamaAnswersStartWithALabelledBos) {
  // The answer is tokenized on its own, so LLaMA's tokenizer puts a BOS before it too, and only
  // the question's tokens are masked (M:common/dataset.py:71-77).
  const auto tokenizer = amem::text::load_tokenizer(model("tiny-llama"));
  const int64_t bos = *tokenizer->special().bos;
  const auto [q, a] = tokens_of(*tokenizer, kQuestion);
  ASSERT_EQ(q.front(), bos);
  ASSERT_EQ(a.front(), bos);
  const auto batch = reference_qa_batch(*tokenizer, {&kQuestion}, int64_t(q.size() + a.size()), 24);
  const auto ids = row(batch.input_ids, 0), labels = row(batch.labels, 0);
  EXPECT_EQ(ids[q.size()], bos);
  EXPECT_EQ(labels[q.size()], bos);
  EXPECT_EQ(labels[q.size() - 1], kIgnoreIndex);
  EXPECT_EQ(ids, concat(q, a));
}

TEST(MacReferenceQaLayout, TheConfigKeysSelectItAndRefuseOtherLayouts) {
  using amem::methods::ReferenceQaLayout;
  EXPECT_FALSE(ReferenceQaLayout::from(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {})));
  const auto reference = ReferenceQaLayout::from(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.qa_layout=reference"}));
  ASSERT_TRUE(reference);
  EXPECT_EQ(reference->qa_tokens, 128);
  EXPECT_EQ(reference->answer_tokens, 24);
  const auto sized = ReferenceQaLayout::from(amem::testing::tiny_mac_config(
      "mac/tiny_gpt2.yaml", {"mac.qa_layout=reference", "mac.qa_tokens=40", "mac.qa_answer_tokens=8"}));
  ASSERT_TRUE(sized);
  EXPECT_EQ(sized->qa_tokens, 40);
  EXPECT_EQ(sized->answer_tokens, 8);
  EXPECT_THROW(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.qa_layout=camels"}), amem::ConfigError);
}

TEST(MacReferenceQaLayout, TrainingUsesTheRowsAndRefusesRowsPastTheBaseLmsPositions) {
  // Rows that fit need no cut rule: fixed-width rows give amem's loss (padding is masked and
  // unlabelled). Rows narrower than the answers lose their ends, and the loss changes.
  std::vector<size_t> all = {0, 1, 2, 3};
  const auto loss = [&](std::vector<std::string> overrides) {
    overrides.push_back("mac.gpt_drop=false");
    torch::manual_seed(0);
    amem::methods::MacTrainingTask task(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", overrides));
    return task.loss_on(all).loss.item<double>();
  };
  // Both at 62 tokens (+ 2 prefix positions: tiny GPT-2's 64), which the sample's rows fit.
  const double amem_rows = loss({"train.max_tokens=62"});
  EXPECT_NEAR(loss({"train.max_tokens=62", "mac.qa_layout=reference", "mac.qa_tokens=62"}), amem_rows, 1e-6);
  EXPECT_GT(std::abs(loss({"train.max_tokens=62", "mac.qa_layout=reference", "mac.qa_tokens=6", "mac.qa_answer_tokens=0"}) -
                     amem_rows),
            1e-3);
  // Tiny GPT-2 has 64 positions: 128-token rows under a 2-token prefix do not fit.
  try {
    amem::methods::MacTrainingTask task(amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.qa_layout=reference"}));
    FAIL() << "expected a ConfigError";
  } catch (const amem::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mac.qa_tokens: 128 tokens + 2 prefix positions exceed the base LM's 64 positions"),
              std::string::npos)
        << e.what();
  }
}
