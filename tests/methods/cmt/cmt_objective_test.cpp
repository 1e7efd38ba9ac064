// CMT's pieces on small tensors with hand-computed values: the memory-aware logits and loss,
// the self-matching loss and its gradients, top-k selection, and the registry that names them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/memory/selector.h"
#include "amem/memory/top_k_selector.h"
#include "amem/methods/cmt/auxiliary_term.h"
#include "amem/methods/cmt/memory_aware.h"
#include "amem/methods/cmt/self_matching.h"
#include "amem/train/lm_loss.h"
#include "support/error_of.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::cmt::AuxiliaryInputs;
using amem::methods::cmt::Pooling;
using amem::methods::cmt::SelfMatching;

const fs::path kSource = AMEM_SOURCE_DIR;

amem::config::Config cmt_config(const std::vector<std::string>& overrides) {
  return amem::config::load_config(amem::config::amem_schema(), (kSource / "configs" / "base" / "cmt.yaml").string(),
                                   overrides);
}

// One row, three positions, two-word vocabulary; labels: position 1 is word 0, position 2 word 1
// (position t's logits predict label t + 1, the last position predicts nothing).
struct TwoWords {
  torch::Tensor with_memory = torch::tensor({{{2.0, 0.0}, {0.0, 1.0}, {5.0, -5.0}}}, torch::kDouble);
  torch::Tensor without_memory = torch::tensor({{{1.0, 1.0}, {2.0, 0.0}, {-5.0, 5.0}}}, torch::kDouble);
  torch::Tensor labels = torch::tensor({{amem::train::kIgnoreIndex, int64_t(0), int64_t(1)}}, torch::kLong);
};

TEST(MemoryAwareObjective, AlphaZeroIsThePlainLossOnTheMemoryLogits) {
  TwoWords t;
  const auto adjusted = amem::methods::cmt::memory_aware_logits(t.with_memory, t.without_memory, 0.0);
  EXPECT_TRUE(torch::equal(adjusted, t.with_memory));
  // -log softmax([2, 0])[0] and -log softmax([0, 1])[1].
  const double expected = (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0))) / 2;
  EXPECT_NEAR(amem::train::lm_loss(adjusted, t.labels).item<double>(), expected, 1e-12);
}

TEST(MemoryAwareObjective, AlphaHalfContrastsWithTheLogitsWithoutMemory) {
  TwoWords t;
  auto with_memory = t.with_memory.clone().requires_grad_(true);
  auto without_memory = t.without_memory.clone().requires_grad_(true);
  const auto adjusted = amem::methods::cmt::memory_aware_logits(with_memory, without_memory, 0.5);
  // 1.5 x [2, 0] - 0.5 x [1, 1] = [2.5, -0.5]; 1.5 x [0, 1] - 0.5 x [2, 0] = [-1, 1.5].
  EXPECT_TRUE(torch::allclose(adjusted[0][0], torch::tensor({2.5, -0.5}, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(adjusted[0][1], torch::tensor({-1.0, 1.5}, torch::kDouble)));
  const auto loss = amem::train::lm_loss(adjusted, t.labels);
  const double expected = (std::log1p(std::exp(-3.0)) + std::log1p(std::exp(-2.5))) / 2;
  EXPECT_NEAR(loss.item<double>(), expected, 1e-12);
  loss.backward();
  // Gradients reach the memory logits, scaled by 1 + α: at position 0 (target word 0)
  // d/dl0 = 1.5 x (softmax(adjusted)[0] - 1) / 2; never the logits without memory.
  const double p0 = 1 / (1 + std::exp(-3.0));
  EXPECT_NEAR(with_memory.grad()[0][0][0].item<double>(), 1.5 * (p0 - 1) / 2, 1e-12);
  EXPECT_FALSE(without_memory.grad().defined());
}

TEST(MemoryAwareObjective, FloatLogitsAreWidenedToFloat32) {
  const auto half = torch::ones({1, 2, 3}, torch::kBFloat16);
  EXPECT_EQ(amem::methods::cmt::memory_aware_logits(half, half, 0.5).scalar_type(), torch::kFloat);
}

// q_0 = (1, 0), q_1 = (0, 1); M^0 = (1, 1), M^1 = (0, 2), M^2 = (3, 0) (a document nobody asks about).
AuxiliaryInputs three_documents() {
  return {torch::tensor({{{1.0f, 0.0f}}, {{0.0f, 1.0f}}}), torch::tensor({{{1.0f, 1.0f}}, {{0.0f, 2.0f}}, {{3.0f, 0.0f}}})};
}

TEST(SelfMatching, MatchesTheDirectComputation) {
  const double lambda = 0.5;
  const SelfMatching term(lambda, 1.0, Pooling::kMean);
  // ‖M^0 − M^1‖² = 2, ‖M^0 − M^2‖² = 5, ‖M^1 − M^2‖² = 13.
  const double first = -1 / std::sqrt(2.0) + lambda * std::log(std::exp(-2.0) + std::exp(-5.0));
  const double second = -1.0 + lambda * std::log(std::exp(-2.0) + std::exp(-13.0));
  EXPECT_NEAR(term.loss(three_documents()).item<double>(), (first + second) / 2, 1e-6);
  // λ = 0: the matching part alone.
  EXPECT_NEAR(SelfMatching(0.0, 1.0, Pooling::kMean).loss(three_documents()).item<double>(),
              (-1 / std::sqrt(2.0) - 1.0) / 2, 1e-6);
}

TEST(SelfMatching, FlattenPoolingComparesWholeMatrices) {
  // The same vectors as three_documents(), held as two tokens of width 1: flatten sees them
  // whole, mean sees each token's average.
  auto inputs = three_documents();
  const AuxiliaryInputs tall{inputs.queries.transpose(1, 2), inputs.bank.transpose(1, 2)};
  EXPECT_NEAR(SelfMatching(0.5, 1.0, Pooling::kFlatten).loss(tall).item<double>(),
              SelfMatching(0.5, 1.0, Pooling::kMean).loss(inputs).item<double>(), 1e-6);
  EXPECT_GT(std::abs(SelfMatching(0.5, 1.0, Pooling::kMean).loss(tall).item<double>() -
                     SelfMatching(0.5, 1.0, Pooling::kFlatten).loss(tall).item<double>()),
            0.1);
}

TEST(SelfMatching, PullsEachQuestionTowardItsDocumentsMemory) {
  auto inputs = three_documents();
  inputs.queries[1][0] = torch::tensor({1.0f, 1.0f});  // not yet aligned with M^1 = (0, 2)
  auto queries = inputs.queries.clone().requires_grad_(true);
  SelfMatching(0.5, 1.0, Pooling::kMean).loss({queries, inputs.bank}).backward();
  const auto stepped = queries.detach() - 0.1 * queries.grad();
  const auto own = inputs.bank.slice(0, 0, 2).squeeze(1);
  const auto before = torch::cosine_similarity(inputs.queries.squeeze(1), own, 1);
  const auto after = torch::cosine_similarity(stepped.squeeze(1), own, 1);
  EXPECT_TRUE((after > before).all().item<bool>()) << before << after;
}

TEST(SelfMatching, PushesMemoriesApart) {
  // Two documents, each question aligned with its memory: the matching part is at its optimum
  // (no gradient), so L_sm = −1 − λ‖M^0 − M^1‖² and dL/dM^0 = −2λ(M^0 − M^1) exactly.
  const double lambda = 0.5;
  auto bank = torch::tensor({{{1.0f, 1.0f}}, {{0.0f, 2.0f}}}).requires_grad_(true);
  const auto queries = torch::tensor({{{2.0f, 2.0f}}, {{0.0f, 1.0f}}});
  const auto loss = SelfMatching(lambda, 1.0, Pooling::kMean).loss({queries, bank});
  EXPECT_NEAR(loss.item<double>(), -1.0 - lambda * 2.0, 1e-6);
  loss.backward();
  EXPECT_TRUE(torch::allclose(bank.grad()[0][0], torch::tensor({-1.0f, 1.0f}), 1e-5, 1e-6)) << bank.grad();
  EXPECT_TRUE(torch::allclose(bank.grad()[1][0], torch::tensor({1.0f, -1.0f}), 1e-5, 1e-6)) << bank.grad();
  const auto stepped = bank.detach() - 0.1 * bank.grad();
  EXPECT_GT((stepped[0] - stepped[1]).pow(2).sum().item<double>(), 2.0);
}

TEST(SelfMatching, ADistanceCapBoundsTheRepulsion) {
  // Cap 4: ‖M^0 − M^2‖² = 5 and ‖M^1 − M^2‖² = 13 count as 4; ‖M^0 − M^1‖² = 2 stays.
  const double lambda = 0.5;
  const double first = -1 / std::sqrt(2.0) + lambda * std::log(std::exp(-2.0) + std::exp(-4.0));
  const double second = -1.0 + lambda * std::log(std::exp(-2.0) + std::exp(-4.0));
  EXPECT_NEAR(SelfMatching(lambda, 1.0, Pooling::kMean, 4.0).loss(three_documents()).item<double>(),
              (first + second) / 2, 1e-6);
  // Two memories 100 apart (squared), each question aligned with its own (no matching gradient):
  // uncapped L_sm = −1 − λ·100 and dL/dM^0 = −2λ(M^0 − M^1) = (0, 10) still pushes them apart;
  // capped at 4 it is −1 − λ·4 and nothing pushes.
  const auto queries = torch::tensor({{{2.0f, 0.0f}}, {{1.0f, 10.0f}}});
  for (const bool cap : {false, true}) {
    auto bank = torch::tensor({{{1.0f, 0.0f}}, {{1.0f, 10.0f}}}).requires_grad_(true);
    const auto loss = SelfMatching(lambda, 1.0, Pooling::kMean, cap ? std::optional<double>(4.0) : std::nullopt)
                          .loss({queries, bank});
    EXPECT_NEAR(loss.item<double>(), -1.0 - lambda * (cap ? 4.0 : 100.0), 1e-4) << "cap " << cap;
    loss.backward();
    const auto expected = cap ? torch::zeros({2}) : torch::tensor({0.0f, 10.0f});
    EXPECT_TRUE(torch::allclose(bank.grad()[0][0], expected, 1e-4, 1e-4)) << "cap " << cap << " " << bank.grad();
  }
}

TEST(SelfMatching, ASingleDocumentHasNothingToPushAgainst) {
  const AuxiliaryInputs one{torch::tensor({{{1.0f, 0.0f}}}), torch::tensor({{{1.0f, 1.0f}}})};
  EXPECT_NEAR(SelfMatching(0.5, 1.0, Pooling::kMean).loss(one).item<double>(), -1 / std::sqrt(2.0), 1e-6);
}

// Four entries of two tokens, width 3: e0, e1 (x 0.5), e2, and 5 x (e0 + e1). Question 0 points
// along e2, question 1 along e0.
struct KnownBank {
  torch::Tensor bank = torch::stack({torch::tensor({{1.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f}}),
                                     torch::tensor({{0.0f, 0.5f, 0.0f}, {0.0f, 0.5f, 0.0f}}),
                                     torch::tensor({{0.0f, 0.0f, 1.0f}, {0.0f, 0.0f, 1.0f}}),
                                     torch::tensor({{5.0f, 5.0f, 0.0f}, {5.0f, 5.0f, 0.0f}})});
  torch::Tensor queries = torch::stack({torch::tensor({{0.0f, 0.0f, 2.0f}, {0.0f, 0.2f, 1.0f}}),
                                        torch::tensor({{3.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f}})});
};

TEST(TopKSelector, KeepsTheMostSimilarEntriesInBankOrder) {
  KnownBank k;
  using amem::memory::Similarity;
  const auto two = amem::memory::TopKSelector(2, Similarity::kCosine, false).select(k.queries, k.bank);
  ASSERT_EQ(two.sizes(), (std::vector<int64_t>{2, 2, 2, 3}));
  // Question 0: e2 (cosine ~1), then e1 (~0.1); question 1: e0 (1), then e0 + e1 (0.71), in bank order.
  EXPECT_TRUE(torch::equal(two[0], k.bank.index_select(0, torch::tensor({1, 2}))));
  EXPECT_TRUE(torch::equal(two[1], k.bank.index_select(0, torch::tensor({0, 3}))));
  // The dot product prefers the large entry 3 for question 1.
  const auto dot = amem::memory::TopKSelector(1, Similarity::kDot, false).select(k.queries, k.bank);
  EXPECT_TRUE(torch::equal(dot[1][0], k.bank[3]));
  EXPECT_TRUE(torch::equal(amem::memory::TopKSelector(1, Similarity::kCosine, false).select(k.queries, k.bank)[1][0],
                           k.bank[0]));
}

TEST(TopKSelector, ZeroOrAtLeastTheBankKeepsTheSharedBank) {
  KnownBank k;
  for (const int64_t n : {0, 4, 9}) {
    const auto all = amem::memory::TopKSelector(n, amem::memory::Similarity::kCosine, false).select(k.queries, k.bank);
    EXPECT_TRUE(torch::equal(all, k.bank.unsqueeze(0))) << n;
  }
}

TEST(TopKSelector, GradientsReachTheKeptEntriesOnly) {
  KnownBank k;
  auto bank = k.bank.clone().requires_grad_(true);
  amem::memory::TopKSelector(1, amem::memory::Similarity::kCosine, false).select(k.queries, bank).sum().backward();
  EXPECT_GT(bank.grad()[0].abs().sum().item<double>(), 0);  // question 1's
  EXPECT_GT(bank.grad()[2].abs().sum().item<double>(), 0);  // question 0's
  EXPECT_EQ(bank.grad()[1].abs().sum().item<double>(), 0);
  EXPECT_EQ(bank.grad()[3].abs().sum().item<double>(), 0);
}

TEST(CmtRegistry, TheConfigChoosesRegisteredPartsByName) {
  const auto& table = amem::memory::selector_registry();
  ASSERT_EQ(table.size(), 2u);
  for (const auto& entry : table) {
    const auto selector = amem::memory::make_selector(cmt_config({"cmt.selector=" + entry.name}));
    ASSERT_NE(selector, nullptr) << entry.name;
  }
  const auto top_k = amem::memory::make_selector(cmt_config({"cmt.top_k.during_training=true"}));
  EXPECT_TRUE(top_k->during_training());
  EXPECT_NE(dynamic_cast<const amem::memory::TopKSelector*>(top_k.get()), nullptr);
  const auto terms = amem::methods::cmt::make_auxiliary_terms(cmt_config({"cmt.self_matching.weight=0.25"}));
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0]->name(), "self_matching");
  EXPECT_EQ(terms[0]->weight(), 0.25);
  EXPECT_TRUE(amem::methods::cmt::make_auxiliary_terms(cmt_config({"cmt.auxiliary_terms=[]"})).empty());
}

TEST(CmtRegistry, AnUnknownNameIsAConfigErrorListingTheRegisteredOnes) {
  EXPECT_EQ(amem::testing::error_of([] { amem::memory::make_selector(cmt_config({"cmt.selector=nearest"})); }),
            "override 'cmt.selector=nearest': cmt.selector: unknown name 'nearest' (registered: all, top_k)");
  EXPECT_EQ(amem::testing::error_of(
                [] { amem::methods::cmt::make_auxiliary_terms(cmt_config({"cmt.auxiliary_terms=[self_matching, orth]"})); }),
            "override 'cmt.auxiliary_terms=[self_matching, orth]': cmt.auxiliary_terms: unknown name 'orth' "
            "(registered: self_matching)");
  EXPECT_THROW(amem::memory::make_selector(cmt_config({"cmt.selector=nearest"})), amem::ConfigError);
}

}  // namespace
