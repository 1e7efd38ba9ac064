#include "amem/memory/hierarchical_aggregation.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "amem/models/t5.h"

namespace {

using amem::memory::AggregationNetwork;

AggregationNetwork tiny_aggregator() {
  torch::manual_seed(0);
  const auto dir = (std::filesystem::path(AMEM_TEST_DATA_DIR) / "models" / "tiny-t5").string();
  auto t5 = amem::models::load_t5(dir, torch::kFloat32, torch::kCPU, /*trainable=*/true);
  AggregationNetwork aggregator(amem::models::AmortizationNetwork(t5, /*num_tokens=*/3, /*output_dim=*/16),
                                amem::memory::AggregationOptions{2, 2, 8, 0.0});
  aggregator->eval();
  return aggregator;
}

TEST(AggregationNetwork, EveryQuestionReadsTheWholeSharedBank) {
  auto aggregator = tiny_aggregator();
  torch::NoGradGuard no_grad;
  const auto ids = torch::tensor({{5, 6, 7, 1}, {8, 9, 1, 0}}), mask = torch::tensor({{1, 1, 1, 1}, {1, 1, 1, 0}});
  const auto bank = torch::randn({4, 3, 16});
  const auto out = aggregator(ids, mask, bank);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 3, 16}));
  // Row 1 alone, with the same bank, gives the same modulation: the bank is not split by row.
  EXPECT_TRUE(torch::allclose(out[1], aggregator(ids.slice(0, 1), mask.slice(0, 1), bank)[0], 1e-5, 1e-6));
  // And it depends on every entry.
  auto changed = bank.clone();
  changed[3].copy_(torch::randn({3, 16}));  // not a constant shift, which LayerNorm removes
  EXPECT_FALSE(torch::allclose(out, aggregator(ids, mask, changed), 1e-4, 1e-4));
}

TEST(HierarchicalAggregation, ReducesWindowByWindowUntilTheBankFits) {
  auto aggregator = tiny_aggregator();
  torch::NoGradGuard no_grad;
  const auto queries = torch::randn({2, 3, 16}), bank = torch::randn({5, 3, 16});
  // Window 2: 5 entries -> 3 (windows {0,1} {2,3} {4}) -> 2 (windows {a,b} {c}) -> final.
  auto attend = [&](const torch::Tensor& memory) { return aggregator->attend(queries, memory); };
  const auto shared = bank.unsqueeze(0);
  const auto level1 = torch::stack({attend(shared.slice(1, 0, 2)), attend(shared.slice(1, 2, 4)), attend(shared.slice(1, 4, 5))}, 1);
  const auto level2 = torch::stack({attend(level1.slice(1, 0, 2)), attend(level1.slice(1, 2, 3))}, 1);
  const auto expected = attend(level2);
  EXPECT_TRUE(torch::allclose(amem::memory::aggregate_hierarchically(*aggregator, queries, bank, 2), expected, 1e-5, 1e-6));
  // A bank that fits the window is read at once.
  EXPECT_TRUE(torch::allclose(amem::memory::aggregate_hierarchically(*aggregator, queries, bank, 8), attend(shared), 1e-6, 1e-6));
}

}  // namespace
