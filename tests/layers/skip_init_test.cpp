// layers::SkipInitGuard and the builders that honour it: without a guard they are LibTorch's
// modules, bit for bit and draw for draw; under one they allocate uninitialised parameters of
// the true sizes in the guard's dtype and draw no random numbers.
#include "amem/layers/skip_init.h"

#include <gtest/gtest.h>

using namespace amem;

TEST(SkipInit, WithoutAGuardTheBuildersAreLibTorchsModules) {
  torch::manual_seed(7);
  auto ours = layers::linear(5, 3, /*bias=*/true);
  auto our_embedding = layers::embedding(11, 4);
  const auto next_ours = torch::rand({2});
  torch::manual_seed(7);
  torch::nn::Linear reference(torch::nn::LinearOptions(5, 3).bias(true));
  torch::nn::Embedding reference_embedding(11, 4);
  const auto next_reference = torch::rand({2});
  EXPECT_TRUE(torch::equal(ours->weight, reference->weight));
  EXPECT_TRUE(torch::equal(ours->bias, reference->bias));
  EXPECT_TRUE(torch::equal(our_embedding->weight, reference_embedding->weight));
  EXPECT_TRUE(torch::equal(next_ours, next_reference));  // same number of draws
  EXPECT_TRUE(torch::equal(layers::new_parameter({2}, [] { return torch::ones({2}); }), torch::ones({2})));
}

TEST(SkipInit, UnderAGuardParametersTakeTheGuardsDtypeAndDrawNothing) {
  torch::manual_seed(3);
  const auto expected_next = torch::rand({4});
  torch::manual_seed(3);
  {
    const layers::SkipInitGuard guard(torch::TensorOptions(torch::kBFloat16));
    ASSERT_TRUE(layers::skip_init_options().has_value());
    auto linear = layers::linear(6, 2, /*bias=*/false);
    auto embedding = layers::embedding(9, 3);
    EXPECT_EQ(linear->weight.sizes(), (std::vector<int64_t>{2, 6}));
    EXPECT_EQ(linear->weight.scalar_type(), torch::kBFloat16);
    EXPECT_FALSE(linear->bias.defined());
    EXPECT_EQ(linear->options.in_features(), 6);
    EXPECT_EQ(linear->options.out_features(), 2);
    EXPECT_EQ(embedding->weight.sizes(), (std::vector<int64_t>{9, 3}));
    EXPECT_EQ(embedding->options.num_embeddings(), 9);
    EXPECT_TRUE(linear->weight.requires_grad());
    const auto p = layers::new_parameter({5}, [] { return torch::ones({5}); });
    EXPECT_EQ(p.scalar_type(), torch::kBFloat16);
    // The modules still compute: a forward with the (unset) weights has the right shape.
    EXPECT_EQ(linear(torch::zeros({1, 6}, torch::kBFloat16)).sizes(), (std::vector<int64_t>{1, 2}));
  }
  EXPECT_FALSE(layers::skip_init_options().has_value());
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected_next));
}
