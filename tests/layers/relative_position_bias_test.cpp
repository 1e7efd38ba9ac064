#include "amem/layers/relative_position_bias.h"

#include <gtest/gtest.h>

#include <vector>

using amem::layers::relative_position_bucket;
using amem::layers::RelativePositionBias;

namespace {

std::vector<int64_t> buckets(const std::vector<int64_t>& relative, bool bidirectional,
                             int64_t num_buckets, int64_t max_distance) {
  auto out = relative_position_bucket(torch::tensor(relative, torch::kLong), bidirectional,
                                      num_buckets, max_distance);
  return std::vector<int64_t>(out.data_ptr<int64_t>(), out.data_ptr<int64_t>() + out.numel());
}

}  // namespace

// T5's defaults: 32 buckets, max distance 128. Bidirectional: keys before the query use
// buckets 0..15, keys after it 16..31; in each half distances 0..7 are exact, and bucket
// 8 + floor(log(d / 8) / log(128 / 8) * 8) covers d >= 8, e.g. d = 20: 8 + floor(2.64) = 10,
// d = 50: 8 + floor(5.29) = 13, d >= 128 saturates at 15.
TEST(RelativePositionBucket, BidirectionalHandWorked) {
  EXPECT_EQ(buckets({0, -3, -7, -8, -20, -50, -200}, true, 32, 128),
            (std::vector<int64_t>{0, 3, 7, 8, 10, 13, 15}));
  EXPECT_EQ(buckets({3, 8, 20, 200}, true, 32, 128), (std::vector<int64_t>{19, 24, 26, 31}));
}

// Causal: all 32 buckets for keys at or before the query, 0..15 exact, then
// 16 + floor(log(d / 16) / log(128 / 16) * 16): d = 20 -> 17, 50 -> 24, 100 -> 30, >= 128 -> 31.
// Keys after the query share bucket 0.
TEST(RelativePositionBucket, CausalHandWorked) {
  EXPECT_EQ(buckets({5, 0, -5, -15, -16, -20, -50, -100, -128, -1000}, false, 32, 128),
            (std::vector<int64_t>{0, 0, 5, 15, 16, 17, 24, 30, 31, 31}));
}

// Queries are the last q_len of k_len positions; each score gets weight[bucket, head].
TEST(RelativePositionBias, LooksUpPerHeadTableForTrailingQueries) {
  RelativePositionBias bias(32, 128, /*heads=*/2, /*bidirectional=*/false);
  bias->weight.data().copy_(torch::arange(64, torch::kFloat32).view({32, 2}));
  auto out = bias(/*q_len=*/2, /*k_len=*/4);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({1, 2, 2, 4}));
  // query 2: relative -2, -1, 0, +1 -> buckets 2, 1, 0, 0; query 3: buckets 3, 2, 1, 0.
  auto head0 = torch::tensor({{4.f, 2.f, 0.f, 0.f}, {6.f, 4.f, 2.f, 0.f}});
  EXPECT_TRUE(torch::equal(out[0][0], head0));
  EXPECT_TRUE(torch::equal(out[0][1], head0 + 1));
  // Dense, so that the masks summed from it keep unit stride over keys: SDPA's fused kernels
  // take such masks, and a strided one sent T5's self-attention down the math path on CUDA.
  EXPECT_TRUE(out.is_contiguous());
  EXPECT_TRUE((out + torch::zeros({3, 1, 2, 4})).is_contiguous());
}
