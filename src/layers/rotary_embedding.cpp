#include "amem/layers/rotary_embedding.h"

#include <cmath>

namespace amem::layers {

namespace {

// LLaMA 3's scaling: long wavelengths (beyond the original context) are slowed by `factor`,
// short ones kept, and the band in between interpolated smoothly.
torch::Tensor llama3_frequencies(const torch::Tensor& inv_freq, const RopeScaling& s) {
  const double low_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const double high_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
  auto wavelen = 2 * M_PI / inv_freq;
  auto scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
  auto smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) /
                (s.high_freq_factor - s.low_freq_factor);
  auto interpolated = (1 - smooth) * scaled / s.factor + smooth * scaled;
  auto medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen);
  return torch::where(medium, interpolated, scaled);
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  auto halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}

}  // namespace

RotaryEmbeddingImpl::RotaryEmbeddingImpl(int64_t head_dim, double theta, const RopeScaling& scaling) {
  auto exponents = torch::arange(0, head_dim, 2, torch::kLong).to(torch::kFloat32) / double(head_dim);
  inv_freq_ = 1.0 / torch::pow(theta, exponents);
  if (scaling.type == "linear") inv_freq_ = inv_freq_ / scaling.factor;
  else if (scaling.type == "llama3") inv_freq_ = llama3_frequencies(inv_freq_, scaling);
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbeddingImpl::forward(const torch::Tensor& q,
                                                                     const torch::Tensor& k,
                                                                     const torch::Tensor& positions) {
  auto angles = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq_.to(q.device()).view({1, 1, -1});
  auto emb = torch::cat({angles, angles}, -1).unsqueeze(1);  // [B, 1, L, D]
  auto cos = emb.cos().to(q.scalar_type()), sin = emb.sin().to(q.scalar_type());
  return {q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin};
}

}  // namespace amem::layers
