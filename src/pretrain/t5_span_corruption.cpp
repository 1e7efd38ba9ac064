#include "amem/pretrain/t5_span_corruption.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace amem::pretrain {

namespace {

// Python's round() (and numpy's, and TensorFlow's): halves go to the even neighbour, which
// std::nearbyint does in the default rounding mode. 0.15 * 30 = 4.5 rounds to 4, not 5.
int64_t round_half_even(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

void check_shape(const SpanCorruptionShape& shape) {
  if (!(shape.noise_density > 0 && shape.noise_density < 1))
    throw std::invalid_argument("span corruption: noise density must lie in (0, 1), got " +
                                std::to_string(shape.noise_density));
  if (!(shape.mean_noise_span_length >= 1))
    throw std::invalid_argument("span corruption: mean noise span length must be >= 1, got " +
                                std::to_string(shape.mean_noise_span_length));
}

struct NoiseCounts {
  int64_t noise, nonnoise, spans;
};

// The counts random_spans_noise_mask fixes before drawing; the lengths follow from them too.
NoiseCounts noise_counts(int64_t length, const SpanCorruptionShape& shape) {
  const int64_t noise = std::clamp<int64_t>(round_half_even(double(length) * shape.noise_density), 1, length - 1);
  const int64_t nonnoise = length - noise;
  // Every non-noise span must be non-empty too (transformers' guard; the original's counts
  // never need it at densities up to 0.5).
  const int64_t spans =
      std::max<int64_t>(1, round_half_even(double(std::min(noise, nonnoise)) / shape.mean_noise_span_length));
  return {noise, nonnoise, spans};
}

// `items` split into `segments` non-empty runs, uniformly over all such splits: the segment
// boundaries are `segments - 1` of the `items - 1` gaps, chosen by a shuffle.
std::vector<int64_t> random_segmentation(int64_t items, int64_t segments, std::mt19937_64& rng) {
  std::vector<uint8_t> boundary(static_cast<size_t>(items - 1), 0);
  std::fill(boundary.begin(), boundary.begin() + (segments - 1), 1);
  std::shuffle(boundary.begin(), boundary.end(), rng);
  std::vector<int64_t> lengths;
  int64_t run = 1;
  for (uint8_t b : boundary) {
    if (b) {
      lengths.push_back(run);
      run = 0;
    }
    ++run;
  }
  lengths.push_back(run);
  return lengths;
}

// `tokens` with each maximal run where mask == replaced swapped for one sentinel, then EOS.
std::vector<int64_t> replace_runs(const std::vector<int64_t>& tokens, const std::vector<uint8_t>& mask, uint8_t replaced,
                                  int64_t first_sentinel_id, int64_t eos_id) {
  std::vector<int64_t> out;
  int64_t sentinel = first_sentinel_id;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (mask[i] != replaced) {
      out.push_back(tokens[i]);
    } else if (i == 0 || mask[i - 1] != replaced) {
      out.push_back(sentinel--);
    }
  }
  out.push_back(eos_id);
  return out;
}

}  // namespace

SpanCorruptionLengths span_corruption_lengths(int64_t input_length, const SpanCorruptionShape& shape) {
  check_shape(shape);
  if (input_length < 2)
    throw std::invalid_argument("span corruption: input length must be >= 2, got " + std::to_string(input_length));
  const auto lengths_of = [&](int64_t tokens) {
    const NoiseCounts c = noise_counts(tokens, shape);
    // Inputs: the non-noise tokens, a sentinel per noise span, EOS; targets: the noise tokens,
    // a sentinel per span, EOS.
    return SpanCorruptionLengths{tokens, c.nonnoise + c.spans + 1, c.noise + c.spans + 1, c.spans};
  };
  int64_t tokens = input_length;
  while (lengths_of(tokens + 1).inputs <= input_length) ++tokens;
  // The reference's "minor hack": at density 0.5 make the targets no longer than the inputs.
  SpanCorruptionLengths lengths = lengths_of(tokens);
  if (shape.noise_density == 0.5 && lengths.targets > lengths.inputs) lengths = lengths_of(tokens - 1);
  return lengths;
}

std::vector<uint8_t> random_spans_noise_mask(int64_t length, const SpanCorruptionShape& shape, std::mt19937_64& rng) {
  check_shape(shape);
  if (length < 2)
    throw std::invalid_argument("span corruption: cannot corrupt " + std::to_string(length) +
                                " tokens (at least 2: one noise, one not)");
  const NoiseCounts c = noise_counts(length, shape);
  const auto noise_lengths = random_segmentation(c.noise, c.spans, rng);
  const auto nonnoise_lengths = random_segmentation(c.nonnoise, c.spans, rng);
  std::vector<uint8_t> mask;
  mask.reserve(static_cast<size_t>(length));
  for (int64_t s = 0; s < c.spans; ++s) {
    mask.insert(mask.end(), static_cast<size_t>(nonnoise_lengths[s]), 0);
    mask.insert(mask.end(), static_cast<size_t>(noise_lengths[s]), 1);
  }
  return mask;
}

SpanCorruptedExample corrupt_spans(const std::vector<int64_t>& tokens, const std::vector<uint8_t>& noise_mask,
                                   int64_t first_sentinel_id, int64_t eos_id) {
  if (noise_mask.size() != tokens.size())
    throw std::invalid_argument("span corruption: a noise mask of " + std::to_string(noise_mask.size()) +
                                " entries for " + std::to_string(tokens.size()) + " tokens");
  return {replace_runs(tokens, noise_mask, 1, first_sentinel_id, eos_id),
          replace_runs(tokens, noise_mask, 0, first_sentinel_id, eos_id)};
}

}  // namespace amem::pretrain
