#include "amem/layers/rotary_embedding.h"

#include <gtest/gtest.h>

#include <cmath>

using amem::layers::RopeScaling;
using amem::layers::RotaryEmbedding;

namespace {

// The rotation angles RoPE applies at `position` to the channel pairs of a 4-wide head:
// rotating (1, 0) of pair i gives (cos a_i, sin a_i) in channels (i, i + 2).
std::pair<double, double> angles(RotaryEmbedding& rope, int64_t position) {
  auto q = torch::tensor({1.0f, 1.0f, 0.0f, 0.0f}).view({1, 1, 1, 4});
  auto rotated = rope(q, q, torch::tensor({{position}})).first.view({4});
  return {std::atan2(rotated[2].item<double>(), rotated[0].item<double>()),
          std::atan2(rotated[3].item<double>(), rotated[1].item<double>())};
}

}  // namespace

TEST(RotaryEmbedding, RotatesChannelPairsByPositionTimesFrequency) {
  // head_dim 4, theta 100: frequencies 100^0 = 1 and 100^-1/2 = 0.1.
  RotaryEmbedding rope(4, 100.0, RopeScaling{});
  auto [a0, a1] = angles(rope, 2);
  EXPECT_NEAR(a0, 2.0, 1e-6);
  EXPECT_NEAR(a1, 0.2, 1e-6);
  // Vector length is kept and the second channel of a pair turns the other way.
  auto q = torch::tensor({0.0f, 0.0f, 3.0f, 0.0f}).view({1, 1, 1, 4});
  auto r = rope(q, q, torch::tensor({{1L}})).second.view({4});
  EXPECT_NEAR(r[0].item<double>(), -3.0 * std::sin(1.0), 1e-6);
  EXPECT_NEAR(r[2].item<double>(), 3.0 * std::cos(1.0), 1e-6);
}

TEST(RotaryEmbedding, LinearScalingDividesEveryFrequency) {
  RopeScaling linear;
  linear.type = "linear";
  linear.factor = 2.0;
  RotaryEmbedding rope(4, 100.0, linear);
  auto [a0, a1] = angles(rope, 2);
  EXPECT_NEAR(a0, 1.0, 1e-6);
  EXPECT_NEAR(a1, 0.1, 1e-6);
}

TEST(RotaryEmbedding, Llama3ScalingKeepsHighBlendsMediumAndScalesLowFrequencies) {
  // Original context 8, low/high frequency factors 1 and 4: wavelengths above 8 are scaled by
  // 1/factor, below 2 kept, between blended linearly in context / wavelength. The frequencies
  // 1 and 0.1 have wavelengths 2π (between) and 20π (above).
  RopeScaling s;
  s.type = "llama3";
  s.factor = 8.0;
  s.low_freq_factor = 1.0;
  s.high_freq_factor = 4.0;
  s.original_max_position_embeddings = 8;
  RotaryEmbedding rope(4, 100.0, s);
  const double smooth = (8.0 / (2 * M_PI) - 1.0) / 3.0;
  auto [a0, a1] = angles(rope, 1);
  EXPECT_NEAR(a0, (1 - smooth) / 8.0 + smooth, 1e-6);
  EXPECT_NEAR(a1, 0.1 / 8.0, 1e-7);

  s.original_max_position_embeddings = 1000000;  // every wavelength is short: unchanged
  RotaryEmbedding unscaled(4, 100.0, s);
  auto [b0, b1] = angles(unscaled, 1);
  EXPECT_NEAR(b0, 1.0, 1e-6);
  EXPECT_NEAR(b1, 0.1, 1e-6);
}
