#include "amem/layers/relative_position_bias.h"

#include <cmath>

namespace amem::layers {

torch::Tensor relative_position_bucket(const torch::Tensor& relative_position, bool bidirectional,
                                       int64_t num_buckets, int64_t max_distance) {
  auto bucket = torch::zeros_like(relative_position, torch::kLong);
  torch::Tensor distance;
  if (bidirectional) {
    num_buckets /= 2;
    bucket = bucket + (relative_position > 0).to(torch::kLong) * num_buckets;
    distance = relative_position.abs();
  } else {
    // Keys after the query (positive positions) are masked anyway; they share bucket 0.
    distance = -torch::clamp_max(relative_position, 0);
  }
  const int64_t max_exact = num_buckets / 2;
  // The log-spaced buckets are computed in float32, as the reference does, so that distances
  // on a bucket boundary round the same way.
  auto log_ratio = torch::log(distance.to(torch::kFloat32) / static_cast<float>(max_exact)) /
                   static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact));
  auto large =
      max_exact + (log_ratio * static_cast<float>(num_buckets - max_exact)).to(torch::kLong);
  large = torch::clamp_max(large, num_buckets - 1);
  return bucket + torch::where(distance < max_exact, distance, large);
}

RelativePositionBiasImpl::RelativePositionBiasImpl(int64_t num_buckets, int64_t max_distance,
                                                   int64_t heads, bool bidirectional)
    : num_buckets_(num_buckets), max_distance_(max_distance), bidirectional_(bidirectional) {
  weight = register_parameter("weight", torch::zeros({num_buckets, heads}));
}

torch::Tensor RelativePositionBiasImpl::forward(int64_t q_len, int64_t k_len) {
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(weight.device());
  auto query = torch::arange(k_len - q_len, k_len, longs).unsqueeze(1);
  auto key = torch::arange(k_len, longs).unsqueeze(0);
  auto buckets = relative_position_bucket(key - query, bidirectional_, num_buckets_, max_distance_);
  // [q, k, heads] -> [1, heads, q, k], contiguous: the permuted view steps a head count between keys,
  // which the attention masks summed from it inherit, and SDPA's fused kernels want the mask's
  // last dimension dense; with it strided, T5's self-attention fell back to the math path
  // (forward + backward about 2x slower at T5-large's shapes, 8 x 512 tokens; issue 16's profile).
  return torch::embedding(weight, buckets).permute({2, 0, 1}).unsqueeze(0).contiguous();
}

}  // namespace amem::layers
