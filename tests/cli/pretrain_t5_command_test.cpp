// End to end: `amem pretrain` with pretrain.objective t5_span_corruption on the tiny T5 config
// (best/ and last/ are T5 folders with their tokenizer), and its one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::run_amem;
namespace fs = std::filesystem;

TEST(PretrainT5Command, WritesT5FoldersAndPicksTheLowestValidationLoss) {
  const auto out = amem::testing::fresh_dir("pretrain_t5_command");
  const auto r = run_amem("pretrain configs/pretrain/tiny_t5.yaml train.steps=10 train.eval_every=5 "
                          "train.save_every=10 run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("64 input and 14 target ids"), std::string::npos) << r.output;
  const auto run = only_run(out);
  const auto best = nlohmann::json::parse(amem::testing::read_file(run / "best" / "validation.json"));
  EXPECT_EQ(best["step"], 10);  // the loss fell from step 5 to step 10
  for (const char* folder : {"best", "last"}) {
    const auto config = nlohmann::json::parse(amem::testing::read_file(run / folder / "config.json"));
    EXPECT_EQ(config["model_type"], "t5") << folder;
    EXPECT_EQ(config["vocab_size"], 600) << folder;
    EXPECT_TRUE(fs::is_regular_file(run / folder / "spiece.model")) << folder;
  }
  EXPECT_TRUE(fs::is_regular_file(run / "validation" / "step-000010" / "examples.safetensors"));
}

TEST(PretrainT5Command, BadInputsAreOneLineErrors) {
  const auto out = amem::testing::fresh_dir("pretrain_t5_command_errors") / "runs";
  const std::string base = "pretrain configs/pretrain/tiny_t5.yaml run.output_dir=" + out.string() + " ";
  struct Case {
    std::string overrides;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"pretrain.noise_density=1.5", "pretrain.noise_density"},
      {"pretrain.mean_noise_span_length=0.5", "pretrain.mean_noise_span_length"},
      {"pretrain.sequence_length=5", "pretrain.sequence_length: 5 ids cannot be made exactly by span corruption"},
      {"pretrain.sequence_length=5", "(use 10)"},  // no length from 2 to 9 can be made
      {"pretrain.sequence_length=1900", "pretrain.sequence_length: 1900 ids have 105 noise spans, more than T5's 100 sentinels"},
      {"pretrain.architecture.tie_word_embeddings=false", "pretrain.architecture.tie_word_embeddings: false is not supported"},
      {"pretrain.architecture.n_layer=2", "pretrain.architecture.n_layer: not a key of T5"},
      {"pretrain.architecture.vocab_size=512", "pretrain.architecture.vocab_size: 512 cannot embed"},
  };
  for (const auto& c : cases) {
    const auto r = run_amem(base + c.overrides);
    EXPECT_EQ(r.exit_code, 2) << c.overrides << "\n" << r.output;
    EXPECT_NE(amem::testing::error_line(r).find(c.message), std::string::npos) << c.overrides << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(out));  // every mistake is found before the run folder exists
}
