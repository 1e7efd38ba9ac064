#include "amem/pretrain/t5_span_corruption.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

using namespace amem::pretrain;

namespace {

using Ids = std::vector<int64_t>;
using Mask = std::vector<uint8_t>;

constexpr int64_t kEos = 1;
const int64_t kS0 = t5_first_sentinel_id(32000);  // <extra_id_0> of the real T5 vocabulary

// The lengths of the maximal runs of ones.
std::vector<size_t> noise_run_lengths(const Mask& mask) {
  std::vector<size_t> runs;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    if (i == 0 || !mask[i - 1]) runs.push_back(0);
    ++runs.back();
  }
  return runs;
}

}  // namespace

TEST(T5SpanCorruption, SentinelsCountDownFromExtraIdZeroAtTheTopOfT5sVocabulary) {
  EXPECT_EQ(kS0, 32099);  // HF T5Tokenizer: <extra_id_0> = 32099 of 32100 ids
}

TEST(T5SpanCorruption, InputsKeepTheTextWithASentinelPerSpanAndTargetsListTheSpans) {
  // "Thank you [for inviting] me to your party [last] week" as ids 10..19 (the T5 paper's
  // figure 2): two noise spans.
  const Ids tokens = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  const Mask mask = {0, 0, 1, 1, 0, 0, 0, 1, 0, 0};
  const auto example = corrupt_spans(tokens, mask, kS0, kEos);
  EXPECT_EQ(example.inputs, (Ids{10, 11, 32099, 14, 15, 16, 32098, 18, 19, kEos}));
  EXPECT_EQ(example.targets, (Ids{32099, 12, 13, 32098, 17, 32097, kEos}));
}

TEST(T5SpanCorruption, AMaskStartingWithNoiseIsLaidOutAsTheReferencesFilter) {
  // create_sentinel_ids numbers the runs of each side separately: the inputs' first sentinel
  // replaces the leading noise, the targets' first replaces the first non-noise run.
  const Ids tokens = {5, 6, 7, 8};
  const auto example = corrupt_spans(tokens, Mask{1, 0, 0, 1}, kS0, kEos);
  EXPECT_EQ(example.inputs, (Ids{32099, 6, 7, 32098, kEos}));
  EXPECT_EQ(example.targets, (Ids{5, 32099, 8, kEos}));
  EXPECT_THROW(corrupt_spans(tokens, Mask{1, 0, 0}, kS0, kEos), std::invalid_argument);
}

TEST(T5SpanCorruption, LengthsEqualComputeInputAndTargetLengths) {
  // Values of run_t5_mlm_flax.py's compute_input_and_target_lengths (worked in Python):
  // (input_length, density, mean span) -> (raw tokens, targets).
  struct Case {
    int64_t input_length;
    double density, mean;
    int64_t tokens, targets;
  };
  for (const Case& c : {Case{512, 0.15, 3, 568, 114}, Case{256, 0.15, 3, 284, 58}, Case{128, 0.15, 3, 141, 29},
                        Case{64, 0.15, 3, 70, 14}, Case{32, 0.15, 3, 34, 8}, Case{16, 0.15, 3, 17, 5},
                        Case{512, 0.5, 3, 766, 512}, Case{100, 0.3, 2, 116, 54}}) {
    const auto lengths = span_corruption_lengths(c.input_length, {c.density, c.mean});
    EXPECT_EQ(lengths.tokens, c.tokens) << c.input_length << " " << c.density;
    EXPECT_EQ(lengths.targets, c.targets) << c.input_length << " " << c.density;
    EXPECT_EQ(lengths.inputs, c.input_length) << c.input_length << " " << c.density;
    // Corrupting that many tokens gives exactly these lengths, whatever the draw.
    for (uint64_t seed : {1u, 2u, 3u}) {
      std::mt19937_64 rng(seed);
      Ids tokens(static_cast<size_t>(lengths.tokens));
      std::iota(tokens.begin(), tokens.end(), 2);
      const auto example =
          corrupt_spans(tokens, random_spans_noise_mask(lengths.tokens, {c.density, c.mean}, rng), kS0, kEos);
      EXPECT_EQ(int64_t(example.inputs.size()), lengths.inputs) << c.input_length << " seed " << seed;
      EXPECT_EQ(int64_t(example.targets.size()), lengths.targets) << c.input_length << " seed " << seed;
    }
  }
  EXPECT_THROW(span_corruption_lengths(1, {}), std::invalid_argument);
  EXPECT_THROW(span_corruption_lengths(64, {0.0, 3}), std::invalid_argument);
  EXPECT_THROW(span_corruption_lengths(64, {0.15, 0.5}), std::invalid_argument);
}

TEST(T5SpanCorruption, NoiseCountsRoundHalfToEvenAsPython) {
  // 30 * 0.15 = 4.5 noise tokens round to 4 (Python's round), in round(4 / 3) = 1 span: the
  // single non-noise span then the single noise span, whatever the generator draws.
  std::mt19937_64 rng(7);
  Mask expected(26, 0);
  expected.insert(expected.end(), 4, 1);
  EXPECT_EQ(random_spans_noise_mask(30, {}, rng), expected);
  // Two tokens: one of each, the noise last.
  EXPECT_EQ(random_spans_noise_mask(2, {}, rng), (Mask{0, 1}));
  EXPECT_THROW(random_spans_noise_mask(1, {}, rng), std::invalid_argument);
}

TEST(T5SpanCorruption, NoiseMaskHasTheReferencesCountsAndIsSeeded) {
  // 568 tokens: round(85.2) = 85 noise tokens in round(85 / 3) = 28 spans, after a non-noise one.
  std::mt19937_64 a(11), b(11), c(12);
  const auto mask = random_spans_noise_mask(568, {}, a);
  ASSERT_EQ(mask.size(), 568u);
  EXPECT_EQ(std::accumulate(mask.begin(), mask.end(), 0), 85);
  EXPECT_EQ(noise_run_lengths(mask).size(), 28u);
  EXPECT_EQ(mask.front(), 0);
  EXPECT_EQ(random_spans_noise_mask(568, {}, b), mask);  // the same seed, the same mask
  EXPECT_NE(random_spans_noise_mask(568, {}, c), mask);
  // The generator moved on: the next draw is another mask.
  EXPECT_NE(random_spans_noise_mask(568, {}, a), mask);
}

TEST(T5SpanCorruption, SpanLengthsAreARandomSegmentation) {
  // Spans are not all of the mean length: over many draws both single tokens and long spans
  // occur, and every span is non-empty (the counts are fixed; their split is random).
  std::mt19937_64 rng(3);
  std::set<size_t> seen;
  for (int i = 0; i < 200; ++i)
    for (size_t length : noise_run_lengths(random_spans_noise_mask(568, {}, rng))) seen.insert(length);
  EXPECT_EQ(*seen.begin(), 1u);
  EXPECT_GE(*seen.rbegin(), 8u);
}
