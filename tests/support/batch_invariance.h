// Comparing what two batchings of the same independent rows computed (micro-batched vs
// one-at-a-time amortization, a bank built in batches vs one made while answering). Debian's
// LibTorch 1.13 (CI) gives the same bits whatever the batch, so there the test demands equality;
// the GPU image's LibTorch 2.x picks its CPU matrix-product kernels by shape, so a row computed in
// a batch of four differs in the last bits from the same row alone (seen in scripts/device/check.sh),
// and there the test demands agreement to float32 rounding.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace amem::testing {

inline void expect_same_up_to_batching(const torch::Tensor& actual, const torch::Tensor& expected) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
#if TORCH_VERSION_MAJOR < 2
  EXPECT_TRUE(torch::equal(actual, expected)) << "differs by " << (actual - expected).abs().max().item<double>();
#else
  EXPECT_TRUE(torch::allclose(actual.to(torch::kFloat), expected.to(torch::kFloat), 1e-5, 1e-6))
      << "differs by " << (actual - expected).abs().max().item<double>();
#endif
}

}  // namespace amem::testing
