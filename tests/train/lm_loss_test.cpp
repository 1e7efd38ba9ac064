#include "amem/train/lm_loss.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace amem::train;

TEST(LmLoss, ShiftsIgnoresAndAveragesOverCountedTokens) {
  // Vocabulary of 2; the logits at position t predict the label at t + 1.
  auto logits = torch::tensor({0.0f, 0.0f, 2.0f, 0.0f, 5.0f, 5.0f}).view({1, 3, 2});
  auto labels = torch::tensor({9L, 1L, 0L}).view({1, 3});  // the first label is never predicted
  const double uniform = std::log(2.0);                     // -log softmax([0, 0])[1]
  const double confident = std::log(1.0 + std::exp(-2.0));  // -log softmax([2, 0])[0]
  auto per_token = lm_token_losses(logits, labels);
  ASSERT_EQ(per_token.sizes(), (std::vector<int64_t>{1, 2}));
  EXPECT_NEAR(per_token[0][0].item<double>(), uniform, 1e-6);
  EXPECT_NEAR(per_token[0][1].item<double>(), confident, 1e-6);
  EXPECT_NEAR(lm_loss(logits, labels).item<double>(), (uniform + confident) / 2, 1e-6);

  labels[0][1] = kIgnoreIndex;
  EXPECT_EQ(lm_token_losses(logits, labels)[0][0].item<double>(), 0.0);
  EXPECT_NEAR(lm_loss(logits, labels).item<double>(), confident, 1e-6);
}

TEST(LmLoss, Bfloat16LogitsAreScoredInFloat32) {
  auto logits = torch::tensor({0.0f, 0.0f, 2.0f, 0.0f}).view({1, 2, 2}).to(torch::kBFloat16);
  auto loss = lm_loss(logits, torch::tensor({0L, 1L}).view({1, 2}));
  EXPECT_EQ(loss.scalar_type(), torch::kFloat32);
  EXPECT_NEAR(loss.item<double>(), std::log(2.0), 1e-6);
}

TEST(LmLoss, LabelsIgnorePadding) {
  auto labels = labels_from_ids(torch::tensor({5L, 6L, 7L}).view({1, 3}), torch::tensor({0L, 1L, 1L}).view({1, 3}));
  EXPECT_TRUE(torch::equal(labels, torch::tensor({-100L, 6L, 7L}).view({1, 3})));
}
