// T5's span-corruption objective (Raffel et al. 2020, section 3.1.4): random spans of a token
// sequence (noise density 0.15, mean span length 3) are each replaced in the inputs by one
// sentinel token, and the targets list each sentinel followed by the span it replaced:
//   tokens   Thank you for inviting me to your party last week
//   inputs   Thank you <extra_id_0> me to your party <extra_id_1> week </s>
//   targets  <extra_id_0> for inviting <extra_id_1> last <extra_id_2> </s>
// Inputs and targets are laid out exactly as the original implementation builds them
// (google-research/text-to-text-transfer-transformer@84f8bcc, t5/data/preprocessors.py:2466
// random_spans_helper and :2682 random_spans_noise_mask), as transformers re-creates it in
// examples/flax/language-modeling/run_t5_mlm_flax.py (huggingface/transformers@104be98e):
// compute_input_and_target_lengths, and FlaxDataCollatorForT5MLM's random_spans_noise_mask,
// create_sentinel_ids and filter_input_ids.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace amem::pretrain {

struct SpanCorruptionShape {
  double noise_density = 0.15;          // the fraction of tokens corrupted
  double mean_noise_span_length = 3.0;  // tokens per corrupted span, on average
};

// How many raw tokens make inputs of exactly `input_length` ids, EOS included: the largest
// raw length whose inputs fit (and, at noise density 0.5, one less when the targets would be
// longer than the inputs), as compute_input_and_target_lengths. `inputs` and `targets` are the
// lengths random_spans_noise_mask + corrupt_spans then give, EOS included; `inputs` can fall
// one short of `input_length` (a span more at the next raw length would overshoot).
// Numbers are rounded half to even, as Python's round(). Errors: std::invalid_argument when
// input_length < 2, the density is outside (0, 1) or the mean span length below 1.
struct SpanCorruptionLengths {
  int64_t tokens = 0;   // raw tokens per example
  int64_t inputs = 0;   // encoder ids, EOS included
  int64_t targets = 0;  // decoder ids, EOS included
  int64_t noise_spans = 0;
};
SpanCorruptionLengths span_corruption_lengths(int64_t input_length, const SpanCorruptionShape& shape);

// The noise mask of `length` tokens (1 = corrupted): round(length * density) noise tokens
// (kept within [1, length - 1]) in round(noise / mean span length) spans (at least 1, at most
// the non-noise tokens), alternating non-noise and noise spans starting with non-noise; both
// kinds of span lengths are random segmentations, every mask with these counts being equally
// likely. Draws from `rng`: first the noise span lengths, then the non-noise ones, each a
// std::shuffle of the segment boundaries. Errors: std::invalid_argument when length < 2.
std::vector<uint8_t> random_spans_noise_mask(int64_t length, const SpanCorruptionShape& shape, std::mt19937_64& rng);

// T5's tokenizer adds 100 sentinels <extra_id_0..99> above its sentencepiece pieces
// (transformers' T5Tokenizer, extra_ids=100), <extra_id_0> last.
constexpr int64_t kT5ExtraIds = 100;
// The id of <extra_id_0> for a sentencepiece model of `pieces` pieces: pieces + 99 (32099).
inline int64_t t5_first_sentinel_id(int64_t pieces) { return pieces + kT5ExtraIds - 1; }

struct SpanCorruptedExample {
  std::vector<int64_t> inputs;
  std::vector<int64_t> targets;
};

// Inputs: `tokens` with each maximal run of noise (mask 1) replaced by one sentinel; targets:
// `tokens` with each maximal run of non-noise replaced by one sentinel; both end in `eos_id`.
// The k-th run (k = 0, 1, ...) of each gets the sentinel `first_sentinel_id - k`: sentinels
// count down from <extra_id_0>, the last id of T5's vocabulary (32099 of 32100: the 32,000
// sentencepiece pieces, then <extra_id_99> .. <extra_id_0>). Errors: std::invalid_argument when
// the mask's length differs from the tokens'.
SpanCorruptedExample corrupt_spans(const std::vector<int64_t>& tokens, const std::vector<uint8_t>& noise_mask,
                                   int64_t first_sentinel_id, int64_t eos_id);

}  // namespace amem::pretrain
