// layers::LayerNorm: torch.nn.LayerNorm's values and gradients in float32, and, for a bf16 model
// under bf16 autocast (CUDA), the norm kept in bf16 with the values autocast's float32 norm
// rounds to (to one bf16 step: only the float32 sums' order differs).
#include "amem/layers/layer_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "amem/device/autocast.h"

namespace {

TEST(LayerNorm, MatchesTorchLayerNormAndItsGradientsInFloat32) {
  torch::manual_seed(0);
  amem::layers::LayerNorm ours(6, 1e-5);
  torch::nn::LayerNorm theirs(torch::nn::LayerNormOptions({6}).eps(1e-5));
  {
    torch::NoGradGuard no_grad;
    ours->weight.copy_(torch::randn({6}));
    ours->bias.copy_(torch::randn({6}));
    theirs->weight.copy_(ours->weight);
    theirs->bias.copy_(ours->bias);
  }
  const auto x = torch::randn({3, 4, 6}) * 3 + 1;
  const auto got = ours(x), want = theirs(x);
  EXPECT_TRUE(torch::equal(got, want));
  (got * got.detach()).sum().backward();
  (want * want.detach()).sum().backward();
  EXPECT_TRUE(torch::allclose(ours->weight.grad(), theirs->weight.grad(), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(ours->bias.grad(), theirs->bias.grad(), 1e-6, 1e-6));
  const auto names = ours->named_parameters();
  EXPECT_TRUE(names.contains("weight") && names.contains("bias"));
}

TEST(LayerNorm, Bf16ModelUnderAutocastStaysInBf16WithAutocastsValues) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA (amem's autocast is CUDA's)";
  const torch::Device cuda(torch::kCUDA, 0);
  torch::manual_seed(0);
  amem::layers::LayerNorm ours(64, 1e-5);
  {
    torch::NoGradGuard no_grad;
    ours->weight.copy_(torch::randn({64}));
    ours->bias.copy_(torch::randn({64}));
  }
  ours->to(cuda, torch::kBFloat16);
  const auto x = (torch::randn({8, 32, 64}) * 4).to(cuda, torch::kBFloat16).requires_grad_(true);
  torch::Tensor got, float32_norm;
  {
    amem::device::Bf16Autocast autocast(true, cuda);
    got = ours(x);
    // What autocast's own layer_norm gives: float32, rounded to bf16 by the next GEMM's cast.
    float32_norm = torch::layer_norm(x, {64}, ours->weight, ours->bias, 1e-5);
  }
  ASSERT_EQ(float32_norm.scalar_type(), torch::kFloat32);  // autocast's policy, which the layer skips
  EXPECT_EQ(got.scalar_type(), torch::kBFloat16);
  const auto rounded = float32_norm.to(torch::kBFloat16).to(torch::kFloat32);
  const auto difference = (got.to(torch::kFloat32) - rounded).abs();
  // At most one bf16 step (2^-7 relative) wherever they differ, and they mostly agree.
  EXPECT_TRUE((difference <= rounded.abs() * (1.0 / 128) + 1e-6).all().item<bool>());
  EXPECT_LT((difference > 0).to(torch::kFloat32).mean().item<double>(), 0.01);
  got.to(torch::kFloat32).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(ours->weight.grad().scalar_type(), torch::kBFloat16);
}

}  // namespace
