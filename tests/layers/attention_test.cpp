#include "amem/layers/attention.h"

#include <gtest/gtest.h>

#include <cmath>

#include "amem/layers/rms_norm.h"

using amem::layers::attention;
using amem::layers::attention_bias;
using amem::layers::attention_reference;

TEST(AttentionBias, CausalWithLeftPaddingAndPrefix) {
  // Two keys of prefix (always visible), then three tokens; row 1 has one pad on the left.
  auto mask = torch::tensor({{1, 1, 1, 1, 1}, {1, 1, 0, 1, 1}});
  auto bias = attention_bias(mask, /*q_len=*/3, /*causal=*/true, torch::kFloat32);
  ASSERT_EQ(bias.sizes(), (std::vector<int64_t>{2, 1, 3, 5}));
  auto allowed = (bias == 0).to(torch::kInt);
  auto expected = torch::tensor({{{1, 1, 1, 0, 0}, {1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}},
                                 {{1, 1, 0, 0, 0}, {1, 1, 0, 1, 0}, {1, 1, 0, 1, 1}}})
                      .to(torch::kInt);
  EXPECT_TRUE(torch::equal(allowed.squeeze(1), expected));
  EXPECT_EQ(bias[0][0][0][4].item<float>(), std::numeric_limits<float>::lowest());
}

TEST(Attention, MatchesHandComputedSoftmax) {
  // One head, one query, two keys: weights softmax([1·1, 1·3]·0.5) = softmax([0.5, 1.5]).
  auto q = torch::tensor({1.0f}).view({1, 1, 1, 1});
  auto k = torch::tensor({1.0f, 3.0f}).view({1, 1, 2, 1});
  auto v = torch::tensor({10.0f, 20.0f}).view({1, 1, 2, 1});
  const double w0 = 1.0 / (1.0 + std::exp(1.0));
  const double expected = 10.0 * w0 + 20.0 * (1.0 - w0);
  EXPECT_NEAR(attention(q, k, v, std::nullopt, 0.5).item<float>(), expected, 1e-5);
  EXPECT_NEAR(attention_reference(q, k, v, std::nullopt, 0.5).item<float>(), expected, 1e-5);
}

TEST(Attention, GroupedQueryHeadsShareKeyValueHeads) {
  torch::manual_seed(0);
  auto q = torch::randn({2, 4, 3, 8});
  auto k = torch::randn({2, 2, 5, 8});
  auto v = torch::randn({2, 2, 5, 8});
  auto bias = attention_bias(torch::ones({2, 5}), 3, true, torch::kFloat32);
  auto out = attention(q, k, v, bias, 0.3);
  // Query heads 0,1 use kv head 0; heads 2,3 use kv head 1.
  for (int64_t h = 0; h < 4; ++h) {
    auto one = attention_reference(q.narrow(1, h, 1), k.narrow(1, h / 2, 1), v.narrow(1, h / 2, 1),
                                   bias, 0.3);
    EXPECT_TRUE(torch::allclose(out.narrow(1, h, 1), one, 1e-5, 1e-6)) << "head " << h;
  }
}

TEST(RMSNorm, NormalisesByRootMeanSquare) {
  amem::layers::RMSNorm norm(2, 0.0);
  norm->weight.data().copy_(torch::tensor({1.0f, 2.0f}));
  auto y = norm(torch::tensor({{3.0f, 4.0f}}));
  const float rms = std::sqrt((9.0f + 16.0f) / 2.0f);
  EXPECT_NEAR(y[0][0].item<float>(), 3.0f / rms, 1e-6);
  EXPECT_NEAR(y[0][1].item<float>(), 2.0f * 4.0f / rms, 1e-6);
}

// The fused path (at::rms_norm, mac.fused_rms_norm) gives the reference steps' values and
// gradients to float32 rounding, on CUDA where there is one (its fused kernel) and on the CPU;
// other dtypes keep the reference steps. A build without at::rms_norm refuses to fuse.
TEST(RMSNorm, FusedMatchesTheReferenceStepsToFloatRounding) {
  if (!amem::layers::fused_rms_norm_available()) {
    amem::layers::RMSNorm norm(4, 1e-6);
    EXPECT_THROW(amem::layers::set_fused_rms_norm(*norm, true), std::logic_error);
    GTEST_SKIP() << "this LibTorch has no at::rms_norm";
  }
  std::vector<torch::Device> devices = {torch::kCPU};
  if (torch::cuda::is_available()) devices.emplace_back(torch::kCUDA, 0);
  for (const auto& device : devices) {
    torch::manual_seed(0);
    amem::layers::RMSNorm reference(64, 1e-6), fused(64, 1e-6);
    reference->weight.data().uniform_(0.5, 1.5);
    fused->weight.data().copy_(reference->weight.data());
    reference->to(device);
    fused->to(device);
    amem::layers::set_fused_rms_norm(*fused, true);
    const auto x = (torch::randn({3, 5, 64}) * 3).to(device);
    const auto xr = x.clone().requires_grad_(true), xf = x.clone().requires_grad_(true);
    const auto yr = reference(xr), yf = fused(xf);
    EXPECT_LT((yr - yf).abs().max().item<double>(), 1e-5 * yr.abs().max().item<double>()) << device;
    const auto g = torch::randn_like(yr);
    yr.backward(g);
    yf.backward(g);
    EXPECT_LT((xr.grad() - xf.grad()).abs().max().item<double>(), 1e-5 * xr.grad().abs().max().item<double>()) << device;
    const auto wr = reference->weight.grad(), wf = fused->weight.grad();
    EXPECT_LT((wr - wf).abs().max().item<double>(), 1e-5 * wr.abs().max().item<double>()) << device;
    // bfloat16 inputs keep the reference steps: the same result to the bit.
    const auto xb = x.to(torch::kBFloat16);
    EXPECT_TRUE(torch::equal(reference(xb), fused(xb))) << device;
  }
}
