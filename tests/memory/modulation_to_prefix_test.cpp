#include "amem/memory/modulation_to_prefix.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/error_of.h"

namespace {

using amem::memory::ModulationToPrefix;
using amem::memory::ModulationToPrefixOptions;

amem::models::CausalLmShape gqa_shape() {
  amem::models::CausalLmShape s;
  s.hidden_size = 8;
  s.num_layers = 3;
  s.num_heads = 4;
  s.num_kv_heads = 2;  // grouped-query: keys and values are 2 x 5 wide, not 8
  s.head_dim = 5;
  return s;
}

TEST(ModulationToPrefix, PlacesEachPrefixTokenAtItsLayerAndPosition) {
  torch::manual_seed(0);
  // T = 5 modulation tokens, P = 2, L = 3: 12 prefix tokens, repeats 3, 3, 2, 2, 2.
  ModulationToPrefix to_prefix(ModulationToPrefixOptions{5, 8, 2, 16, gqa_shape()});
  const auto modulation = torch::randn({2, 5, 8});
  const auto prefix = to_prefix(modulation, torch::kFloat32);
  ASSERT_EQ(prefix.keys.size(), 3u);
  ASSERT_EQ(prefix.values.size(), 3u);
  EXPECT_EQ(prefix.length(), 2);

  const std::vector<int64_t> source = {0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4};
  const auto repeated = modulation.index_select(1, torch::tensor(source));
  const auto tokens = to_prefix->token_mlps(repeated);  // [2, 12, 10]
  for (int64_t l = 0; l < 3; ++l) {
    EXPECT_EQ(prefix.keys[l].sizes(), (std::vector<int64_t>{2, 2, 2, 5}));
    for (int64_t p = 0; p < 2; ++p) {
      const int64_t key = (p * 3 + l) * 2, value = key + 1;
      EXPECT_TRUE(torch::equal(prefix.keys[l].select(2, p), tokens.select(1, key).view({2, 2, 5})));
      EXPECT_TRUE(torch::equal(prefix.values[l].select(2, p), tokens.select(1, value).view({2, 2, 5})));
    }
  }
}

TEST(ModulationToPrefix, CastsToTheBaseLmDtypeKeepingGradients) {
  ModulationToPrefix to_prefix(ModulationToPrefixOptions{2, 8, 1, 16, gqa_shape()});
  const auto prefix = to_prefix(torch::randn({1, 2, 8}), torch::kBFloat16);
  EXPECT_EQ(prefix.keys[0].scalar_type(), torch::kBFloat16);
  prefix.values[2].to(torch::kFloat32).sum().backward();
  EXPECT_TRUE(to_prefix->token_mlps->output_bias.grad().defined());
}

TEST(ModulationToPrefix, MoreModulationTokensThanPrefixTokensIsAConfigError) {
  EXPECT_EQ(amem::testing::error_of([] { ModulationToPrefix(ModulationToPrefixOptions{13, 8, 2, 16, gqa_shape()}); }),
            "mac.num_virtual_tokens: expected 1 to layer_num_virtual_tokens x 2 x layers = 12, got 13");
}

}  // namespace
