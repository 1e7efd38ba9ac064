// Memory-aware decoding (CMT's contrast at answer time, generation::Prompt::contrast_alpha) on the
// tiny GPT-2 checkpoint under a random prefix, against recomputing every step by hand: each row's
// whole sequence run twice without a cache, under the prefix and without it, and the next token
// chosen on (1 + α)·l(·|prefix, prompt) − α·l(·|prompt).
#include <gtest/gtest.h>

#include <vector>

#include "amem/generation/generate.h"
#include "amem/generation/group_beam_search.h"
#include "amem/models/kv_cache.h"
#include "amem/models/load_causal_lm.h"
#include "generation/decoding_state.h"
#include "support/rerunning_source.h"

using namespace amem;

namespace {

std::shared_ptr<models::CausalLm> tiny_gpt2() {
  return models::load_causal_lm(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2");
}

// `rows` rows of `positions` random prefix positions (MAC's modulation stands in).
models::Prefix random_prefix(const models::CausalLm& model, int64_t rows, int64_t positions) {
  const auto& shape = model.shape();
  models::Prefix prefix;
  for (int64_t l = 0; l < shape.num_layers; ++l) {
    prefix.keys.push_back(torch::randn({rows, shape.num_kv_heads, positions, shape.head_dim}));
    prefix.values.push_back(torch::randn({rows, shape.num_kv_heads, positions, shape.head_dim}));
  }
  return prefix;
}

models::Prefix prefix_row(const models::Prefix& prefix, int64_t row, int64_t copies = 1) {
  models::Prefix own;
  for (size_t l = 0; l < prefix.keys.size(); ++l) {
    own.keys.push_back(prefix.keys[l].narrow(0, row, 1).repeat({copies, 1, 1, 1}));
    own.values.push_back(prefix.values[l].narrow(0, row, 1).repeat({copies, 1, 1, 1}));
  }
  return own;
}

// The adjusted logits of the token after each row of ids [R, L] (no padding), computed from
// scratch: (1 + α)·l(·|prefix, ids) − α·l(·|ids), float32, [R, V]. `prefix` has R rows.
torch::Tensor adjusted_by_hand(models::CausalLm& model, const torch::Tensor& ids, const models::Prefix& prefix,
                               double alpha) {
  torch::NoGradGuard no_grad;
  auto cache = models::KvCache::from_prefix(prefix);
  const int64_t rows = ids.size(0), length = ids.size(1);
  const auto with_prefix =
      model.forward(ids, torch::ones({rows, prefix.length() + length}, torch::kLong), {}, &cache).select(1, length - 1);
  const auto without_prefix = model.forward(ids, torch::ones({rows, length}, torch::kLong), {}, nullptr).select(1, length - 1);
  return (1.0 + alpha) * with_prefix.to(torch::kFloat32) - alpha * without_prefix.to(torch::kFloat32);
}

// Greedy decoding of one unpadded row by hand: `steps` argmaxes of adjusted_by_hand.
std::vector<int64_t> greedy_by_hand(models::CausalLm& model, std::vector<int64_t> ids, const models::Prefix& prefix,
                                    double alpha, int64_t steps) {
  std::vector<int64_t> out;
  for (int64_t t = 0; t < steps; ++t) {
    const auto row = torch::tensor(ids, torch::kLong).view({1, -1});
    const int64_t token = adjusted_by_hand(model, row, prefix, alpha).argmax(-1).item<int64_t>();
    out.push_back(token);
    ids.push_back(token);
  }
  return out;
}

// group_beam_search's other input: every beam's whole sequence recomputed by hand each step.
class ContrastByHand : public amem::testing::RerunningSource {
 public:
  ContrastByHand(models::CausalLm& model, const torch::Tensor& prompt, const models::Prefix& prefix, int64_t beams,
                 double alpha)
      : RerunningSource(prompt, beams), model_(model), prefix_(prefix_row(prefix, 0, beams)), alpha_(alpha) {}

 private:
  torch::Tensor log_probs(const torch::Tensor& ids) override {
    return torch::log_softmax(adjusted_by_hand(model_, ids, prefix_, alpha_), -1);
  }
  models::CausalLm& model_;
  models::Prefix prefix_;
  double alpha_;
};

}  // namespace

TEST(MemoryAwareDecoding, GreedyEqualsStepByStepRecomputation) {
  auto model = tiny_gpt2();
  torch::manual_seed(11);
  // Two left-padded rows, each under its own prefix row.
  const std::vector<std::vector<int64_t>> prompts = {{291, 494, 253, 314, 421}, {67, 5, 17}};
  auto ids = torch::zeros({2, 5}, torch::kLong), mask = torch::zeros({2, 5}, torch::kLong);
  for (int64_t r = 0; r < 2; ++r) {
    const auto& p = prompts[size_t(r)];
    ids[r].slice(0, 5 - int64_t(p.size())).copy_(torch::tensor(p, torch::kLong));
    mask[r].slice(0, 5 - int64_t(p.size())).fill_(1);
  }
  const auto prefix = random_prefix(*model, 2, 3);
  generation::GenerationOptions o;
  o.max_new_tokens = 6;  // no EOS: every step is compared
  std::vector<std::vector<int64_t>> decoded[2];
  for (const double alpha : {0.0, 1.5}) {
    const auto out = generation::greedy_search(*model, {ids, mask, &prefix, alpha}, o);
    ASSERT_EQ(out.size(1), 6);
    for (int64_t r = 0; r < 2; ++r) {
      const auto row = std::vector<int64_t>(out[r].data_ptr<int64_t>(), out[r].data_ptr<int64_t>() + 6);
      EXPECT_EQ(row, greedy_by_hand(*model, prompts[size_t(r)], prefix_row(prefix, r), alpha, 6))
          << "alpha " << alpha << " row " << r;
      decoded[alpha > 0].push_back(row);
    }
  }
  // α = 0 is the prefix's logits alone, bit for bit: the same as a prompt without the field.
  EXPECT_TRUE(torch::equal(generation::greedy_search(*model, {ids, mask, &prefix}, o),
                           generation::greedy_search(*model, {ids, mask, &prefix, 0.0}, o)));
  // The contrast changes what is decoded here, so the comparison above could fail.
  EXPECT_NE(decoded[0], decoded[1]);
}

TEST(MemoryAwareDecoding, EveryDecoderReadsTheContrastFromOnePlace) {
  // DecodingState is what greedy, beam and group beam search all read: its first and next
  // log-probabilities, across a beam reordering, are the hand-computed contrast's.
  auto model = tiny_gpt2();
  torch::manual_seed(12);
  const auto prompt = torch::tensor({{5, 17, 42, 8}}, torch::kLong);
  const auto prefix = random_prefix(*model, 1, 2);
  const double alpha = 0.5;
  torch::NoGradGuard no_grad;
  generation::DecodingState state(*model, {prompt, torch::ones_like(prompt), &prefix, alpha}, /*copies=*/3);
  const auto three = prefix_row(prefix, 0, 3);
  const auto expected_first = torch::log_softmax(adjusted_by_hand(*model, prompt.repeat({3, 1}), three, alpha), -1);
  EXPECT_TRUE(torch::allclose(state.first(), expected_first, 1e-5, 1e-5));
  // Rows 0..2 continue from rows 2, 0, 0, then take tokens 7, 9, 11.
  state.select_rows(torch::tensor({2, 0, 0}, torch::kLong));
  const auto next = state.next(torch::tensor({7, 9, 11}, torch::kLong));
  const auto grown = torch::cat({prompt.repeat({3, 1}), torch::tensor({{7}, {9}, {11}}, torch::kLong)}, 1);
  EXPECT_TRUE(torch::allclose(next, torch::log_softmax(adjusted_by_hand(*model, grown, three, alpha), -1), 1e-5, 1e-5));
  // And they are not the prefix's own log-probabilities.
  EXPECT_FALSE(torch::allclose(next, torch::log_softmax(adjusted_by_hand(*model, grown, three, 0.0), -1), 1e-3, 1e-3));
}

TEST(MemoryAwareDecoding, GroupBeamSearchEqualsRecomputingBothStreams) {
  auto model = tiny_gpt2();
  torch::manual_seed(13);
  const auto& shape = model->shape();
  const auto prompt = torch::tensor({{5, 17, 42, 8}}, torch::kLong);
  const auto prefix = random_prefix(*model, 1, 2);
  generation::GenerationOptions o;
  o.num_beams = 12;
  o.num_beam_groups = 4;
  o.diversity_penalty = 10;
  o.early_stopping = true;
  o.max_new_tokens = 8;
  o.eos_ids = {shape.vocab_size - 1};
  o.pad_id = o.eos_ids[0];
  for (const double alpha : {0.0, 0.5}) {
    const auto cached = generation::group_beam_search(*model, {prompt, torch::ones_like(prompt), &prefix, alpha}, o);
    ContrastByHand by_hand(*model, prompt, prefix, o.num_beams, alpha);
    const auto expected = generation::group_beam_search(by_hand, o);
    EXPECT_EQ(cached.tokens, expected.tokens) << "alpha " << alpha;
    EXPECT_NEAR(cached.score, expected.score, 1e-4) << "alpha " << alpha;
    EXPECT_GE(cached.tokens.size(), 2u);
  }
}
