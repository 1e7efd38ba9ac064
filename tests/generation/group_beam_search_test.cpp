// Group beam search (transformers 4.36.2 semantics) against the goldens of
// tests/data/generation/make_group_beam_goldens.py, a stdlib re-creation of that version's
// algorithm over a toy model; and the model path (KV cache, prefix, beam reordering) against
// re-running every beam's whole sequence under its prefix, as the MAC reference generates
// (use_cache=False).
#include "amem/generation/group_beam_search.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "amem/io/safetensors.h"
#include "amem/models/kv_cache.h"
#include "amem/models/load_causal_lm.h"
#include "support/rerunning_source.h"

using namespace amem;

namespace {

nlohmann::json goldens() {
  std::ifstream in(std::string(AMEM_TEST_DATA_DIR) + "/generation/group_beam_goldens.json");
  return nlohmann::json::parse(in);
}

// The goldens' toy model: logits a fixed function of the row's whole sequence (prompt and
// generated tokens), float64 log-softmax; counts its forwards.
class ToyModel : public generation::NextTokenSource {
 public:
  ToyModel(std::vector<int64_t> prompt, int64_t rows, int64_t vocab, int64_t eos)
      : rows_(size_t(rows), prompt), vocab_(vocab), eos_(eos) {}

  torch::Tensor first() override { return log_probs(); }
  torch::Tensor next(const torch::Tensor& tokens) override {
    for (size_t r = 0; r < rows_.size(); ++r) rows_[r].push_back(tokens[int64_t(r)].item<int64_t>());
    return log_probs();
  }
  void select_rows(const torch::Tensor& rows) override {
    std::vector<std::vector<int64_t>> kept;
    for (int64_t i = 0; i < rows.size(0); ++i) kept.push_back(rows_[size_t(rows[i].item<int64_t>())]);
    rows_ = std::move(kept);
  }
  int64_t forwards() const { return forwards_; }

 private:
  torch::Tensor log_probs() {
    ++forwards_;
    auto logits = torch::empty({int64_t(rows_.size()), vocab_}, torch::kFloat64);
    for (size_t r = 0; r < rows_.size(); ++r) {
      int64_t h = 7;
      for (int64_t token : rows_[r]) h = (h * 31 + token + 1) % 1000003;
      for (int64_t v = 0; v < vocab_; ++v) {
        const int64_t a = (h * 1000003 + v * 7919 + 12345) % 1000033;
        logits[int64_t(r)][v] = double(a * a % 1000033) / 200000.0 + (v == eos_ ? 2.0 : 0.0);
      }
    }
    return torch::log_softmax(logits, -1);
  }

  std::vector<std::vector<int64_t>> rows_;
  int64_t vocab_, eos_, forwards_ = 0;
};

// A golden case's search settings (the goldens' JSON fields), ending at `eos`.
generation::GenerationOptions options_of(const nlohmann::json& c, int64_t eos) {
  generation::GenerationOptions o;
  o.num_beams = c["num_beams"].get<int64_t>();
  o.num_beam_groups = c["num_beam_groups"].get<int64_t>();
  o.diversity_penalty = c["diversity_penalty"].get<double>();
  o.length_penalty = c["length_penalty"].get<double>();
  o.early_stopping = c["early_stopping"].get<bool>();
  o.max_new_tokens = c["max_new_tokens"].get<int64_t>();
  o.eos_ids = {eos};
  o.pad_id = c["pad"].get<int64_t>();
  return o;
}

}  // namespace

TEST(GroupBeamSearch, MatchesTransformers436GoldensTokenForToken) {
  const auto g = goldens();
  const int64_t vocab = g["vocab"].get<int64_t>(), eos = g["eos"].get<int64_t>();
  int64_t ended_by_eos = 0, stopped_early = 0;
  for (const auto& c : g["cases"]) {
    const auto o = options_of(c, eos);
    ToyModel toy(c["prompt"].get<std::vector<int64_t>>(), o.num_beams, vocab, eos);
    const auto result = generation::group_beam_search(toy, o);
    const auto& expected = c["expected"];
    const std::string name = c["setting"].get<std::string>() + " " + c["prompt"].dump();
    EXPECT_EQ(result.tokens, expected["tokens"].get<std::vector<int64_t>>()) << name;
    EXPECT_NEAR(result.score, expected["score"].get<double>(), 1e-9) << name;
    EXPECT_EQ(toy.forwards(), expected["steps"].get<int64_t>()) << name;
    ended_by_eos += int64_t(result.tokens.size()) < o.max_new_tokens;
    stopped_early += toy.forwards() < o.max_new_tokens;
  }
  // The goldens exercise hypotheses ending at an EOS and groups finishing before the last step.
  EXPECT_GT(ended_by_eos, 10);
  EXPECT_GT(stopped_early, 10);
}

TEST(GroupBeamSearch, EarlyStoppingChangesTheTopSequenceOfSomeGoldens) {
  // Not vacuous: with the reference's settings, early_stopping alone changes some answers
  // (a group done early emits pads, which penalises the later groups on that token).
  const auto g = goldens();
  std::map<std::string, std::vector<int64_t>> with, without;
  for (const auto& c : g["cases"]) {
    const auto setting = c["setting"].get<std::string>();
    if (setting == "reference") with[c["prompt"].dump()] = c["expected"]["tokens"].get<std::vector<int64_t>>();
    if (setting == "reference_no_early_stopping")
      without[c["prompt"].dump()] = c["expected"]["tokens"].get<std::vector<int64_t>>();
  }
  int64_t differ = 0;
  for (const auto& [prompt, tokens] : with) differ += tokens != without.at(prompt);
  EXPECT_GE(differ, 2);
}

namespace {

// The reference's generation with use_cache=False: every step runs each beam's whole sequence
// under a fresh copy of the prefix (tiled over the beams), positions after the prefix.
class Rerun : public amem::testing::RerunningSource {
 public:
  Rerun(models::CausalLm& model, const torch::Tensor& prompt, const models::Prefix& prefix, int64_t beams)
      : RerunningSource(prompt, beams), model_(model), prefix_(prefix), beams_(beams) {}

 private:
  torch::Tensor log_probs(const torch::Tensor& ids) override {
    auto cache = models::KvCache::from_prefix(prefix_);
    cache.repeat_rows(beams_);
    auto mask = torch::ones({beams_, prefix_.length() + ids.size(1)}, torch::kLong);
    auto logits = model_.forward(ids, mask, {}, &cache);
    return torch::log_softmax(logits.select(1, ids.size(1) - 1).to(torch::kFloat32), -1);
  }
  models::CausalLm& model_;
  const models::Prefix& prefix_;
  int64_t beams_;
};

}  // namespace

TEST(GroupBeamSearch, ModelPathUnderAPrefixEqualsRerunningEachSequence) {
  auto model = models::load_causal_lm(std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2");
  torch::manual_seed(3);
  const auto& shape = model->shape();
  const auto prompt = torch::tensor({{5, 17, 42, 8}}, torch::kLong);
  generation::GenerationOptions o;
  o.num_beams = 12;
  o.num_beam_groups = 4;
  o.diversity_penalty = 10;
  o.early_stopping = true;
  o.max_new_tokens = 10;
  o.eos_ids = {shape.vocab_size - 1};
  o.pad_id = o.eos_ids[0];
  for (const bool with_prefix : {false, true}) {
    models::Prefix prefix;  // none, or two positions of random keys and values (MAC's modulation)
    for (int64_t l = 0; with_prefix && l < shape.num_layers; ++l) {
      prefix.keys.push_back(torch::randn({1, shape.num_kv_heads, 2, shape.head_dim}));
      prefix.values.push_back(torch::randn({1, shape.num_kv_heads, 2, shape.head_dim}));
    }
    const auto cached = generation::group_beam_search(
        *model, {prompt, torch::ones_like(prompt), with_prefix ? &prefix : nullptr}, o);
    Rerun rerun(*model, prompt, prefix, o.num_beams);
    const auto rerun_result = generation::group_beam_search(rerun, o);
    EXPECT_EQ(cached.tokens, rerun_result.tokens) << "prefix " << with_prefix;
    EXPECT_NEAR(cached.score, rerun_result.score, 1e-4) << "prefix " << with_prefix;
    EXPECT_GE(cached.tokens.size(), 2u);
  }
}

// scripts/device/group_beam_check.sh: amem beside the 4.36.2 re-creation driving transformers'
// GPT-2 on the same tiny checkpoint, with and without the fixture's prefix. It runs where that
// script points AMEM_GROUP_BEAM_DEVICE_GOLDENS at its output (writing it takes Python torch);
// elsewhere it is skipped, and the toy goldens above check the algorithm.
TEST(GroupBeamSearch, DeviceGoldens) {
  const char* path = std::getenv("AMEM_GROUP_BEAM_DEVICE_GOLDENS");
  if (path == nullptr) GTEST_SKIP() << "AMEM_GROUP_BEAM_DEVICE_GOLDENS is not set (scripts/device/group_beam_check.sh)";
  std::ifstream in(path);
  const auto g = nlohmann::json::parse(in);
  const std::string fixture = std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2";
  auto model = models::load_causal_lm(fixture);
  auto tensors = io::SafetensorsFile::open(fixture + "/golden.safetensors");
  std::vector<torch::Device> devices = {torch::kCPU};
  if (torch::cuda::is_available()) devices.push_back(torch::kCUDA);
  for (const auto& device : devices) {
    model->to(device);
    models::Prefix prefix;
    for (int64_t l = 0; l < model->shape().num_layers; ++l) {
      prefix.keys.push_back(tensors->load("prefix_key_" + std::to_string(l)).narrow(0, 0, 1).to(device));
      prefix.values.push_back(tensors->load("prefix_value_" + std::to_string(l)).narrow(0, 0, 1).to(device));
    }
    int64_t identical = 0;
    for (const auto& c : g["cases"]) {
      const auto o = options_of(c, g["eos"].get<int64_t>());
      const auto ids = torch::tensor(c["prompt"].get<std::vector<int64_t>>(), torch::kLong).view({1, -1}).to(device);
      const bool with_prefix = c["prefix"].get<bool>();
      const auto result =
          generation::group_beam_search(*model, {ids, torch::ones_like(ids), with_prefix ? &prefix : nullptr}, o);
      const auto expected = c["expected"]["tokens"].get<std::vector<int64_t>>();
      EXPECT_EQ(result.tokens, expected) << c.dump();
      EXPECT_NEAR(result.score, c["expected"]["score"].get<double>(), 1e-4) << c.dump();
      identical += result.tokens == expected;
    }
    std::cout << "group beam search on " << device << ": " << identical << " of " << g["cases"].size()
              << " answers identical to the 4.36.2 re-creation\n";
  }
}
