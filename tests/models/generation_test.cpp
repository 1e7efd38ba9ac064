// Greedy and beam search against transformers' generate() on the tiny fixtures.
#include "amem/generation/generate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "amem/io/safetensors.h"
#include "amem/models/load_causal_lm.h"

using namespace amem;

namespace {

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

nlohmann::json golden_json(const std::string& name) {
  std::ifstream in(fixture(name) + "/golden.json");
  return nlohmann::json::parse(in);
}

torch::Tensor tensor_of(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows)
    for (const auto& v : row) flat.push_back(v.get<int64_t>());
  return torch::tensor(flat, torch::kLong).view({int64_t(rows.size()), -1});
}

std::vector<std::vector<int64_t>> rows_of(const torch::Tensor& t) {
  std::vector<std::vector<int64_t>> out(size_t(t.size(0)));
  for (int64_t i = 0; i < t.size(0); ++i)
    for (int64_t j = 0; j < t.size(1); ++j) out[size_t(i)].push_back(t[i][j].item<int64_t>());
  return out;
}

generation::GenerationOptions options_for(const nlohmann::json& config, const nlohmann::json& settings) {
  generation::GenerationOptions o;
  o.max_new_tokens = settings["max_new_tokens"].get<int64_t>();
  o.eos_ids = {config["eos_token_id"].get<int64_t>()};
  o.pad_id = o.eos_ids[0];  // the fixtures generate with pad_token_id = eos_token_id
  if (settings.contains("num_beams")) {
    o.num_beams = settings["num_beams"].get<int64_t>();
    o.length_penalty = settings["length_penalty"].get<double>();
    o.early_stopping = settings["early_stopping"].get<bool>();
  }
  return o;
}

}  // namespace

TEST(Generation, GreedyAndBeamSearchMatchTransformers) {
  for (const char* name : {"tiny-gpt2", "tiny-llama", "tiny-qwen2"}) {
    auto model = models::load_causal_lm(fixture(name));
    const auto g = golden_json(name);
    for (const char* mode : {"greedy", "beam"}) {
      const auto& s = g[mode];
      generation::Prompt prompt{tensor_of(s["prompt_ids"]), tensor_of(s["prompt_mask"])};
      const auto options = options_for(g["config"], s);
      auto out = std::string(mode) == "greedy" ? generation::greedy_search(*model, prompt, options)
                                               : generation::beam_search(*model, prompt, options);
      EXPECT_EQ(rows_of(out), s["output_ids"].get<std::vector<std::vector<int64_t>>>()) << name << " " << mode;
    }
  }
}

TEST(Generation, GreedyUnderPrefixMatchesTransformers) {
  for (const char* name : {"tiny-gpt2", "tiny-llama", "tiny-qwen2"}) {
    auto model = models::load_causal_lm(fixture(name));
    const auto g = golden_json(name);
    const auto& s = g["greedy_prefix"];
    auto golden = io::SafetensorsFile::open(fixture(name) + "/golden.safetensors");
    const int64_t row = s["prefix_row"].get<int64_t>();
    models::Prefix prefix;
    for (int64_t l = 0; l < model->shape().num_layers; ++l) {
      prefix.keys.push_back(golden->load("prefix_key_" + std::to_string(l)).narrow(0, row, 1));
      prefix.values.push_back(golden->load("prefix_value_" + std::to_string(l)).narrow(0, row, 1));
    }
    auto ids = tensor_of(s["prompt_ids"]);
    generation::Prompt prompt{ids, torch::ones_like(ids), &prefix};
    auto out = generation::greedy_search(*model, prompt, options_for(g["config"], s));
    EXPECT_EQ(rows_of(out)[0], s["output_ids"].get<std::vector<int64_t>>()) << name;
  }
}

TEST(Generation, RowsStopAtEosAndArePadded) {
  auto model = models::load_causal_lm(fixture("tiny-gpt2"));
  const auto g = golden_json("tiny-gpt2");
  const auto& s = g["greedy"];
  generation::Prompt prompt{tensor_of(s["prompt_ids"]), tensor_of(s["prompt_mask"])};
  // Declare the token greedy decoding emits third in row 0 an EOS: row 0 stops there and is
  // padded, row 1 runs to the end unchanged.
  const auto expected = s["output_ids"].get<std::vector<std::vector<int64_t>>>();
  generation::GenerationOptions o;
  o.max_new_tokens = 8;
  o.eos_ids = {expected[0][2]};
  o.pad_id = 0;  // finished rows keep being fed their padding, so it must be a real id
  auto rows = rows_of(generation::greedy_search(*model, prompt, o));
  EXPECT_EQ(rows[0], (std::vector<int64_t>{expected[0][0], expected[0][1], expected[0][2], 0, 0, 0, 0, 0}));
  EXPECT_EQ(rows[1], expected[1]);
  // With a single row the batch stops at the EOS: the output is three tokens long.
  generation::Prompt first{prompt.ids.narrow(0, 0, 1), prompt.mask.narrow(0, 0, 1)};
  EXPECT_EQ(generation::greedy_search(*model, first, o).size(1), 3);
}
