// End to end: `amem pretrain` on the tiny GPT-2 and LLaMA configs (loss falls, best/ is the
// lowest validation loss, the folders are what `amem lm` loads), and its one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_amem.h"
#include "support/metrics_jsonl.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::run_amem;
namespace fs = std::filesystem;
using amem::testing::logged;

TEST(PretrainCommand, LossFallsAndBestIsTheLowestValidationLoss) {
  const auto out = amem::testing::fresh_dir("pretrain_command");
  const auto r = run_amem("pretrain configs/pretrain/tiny_gpt2.yaml run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tokens/s"), std::string::npos) << r.output;  // the tokenization speed
  EXPECT_NE(r.output.find("best validation loss"), std::string::npos) << r.output;
  const auto run = only_run(out);

  const auto losses = logged(run / "metrics.jsonl", "loss");
  ASSERT_EQ(losses.size(), 8u);  // every 5 of 40 steps
  // From near ln 601 = 6.40 (uniform over the tiny vocabulary) by more than half a nat.
  EXPECT_LT(losses.back(), losses.front() - 0.5) << "first " << losses.front() << " last " << losses.back();
  EXPECT_EQ(logged(run / "metrics.jsonl", "tokens_per_s").size(), 8u);
  const auto val = logged(run / "metrics.jsonl", "val_loss");
  ASSERT_EQ(val.size(), 2u);  // steps 20 and 40
  EXPECT_LT(val[1], val[0]);
  EXPECT_EQ(logged(run / "metrics.jsonl", "val_perplexity").size(), 2u);
  const auto best = nlohmann::json::parse(amem::testing::read_file(run / "best" / "validation.json"));
  EXPECT_EQ(best["step"], 40);  // the lower loss, not the higher
  EXPECT_DOUBLE_EQ(best["metrics"]["loss"].get<double>(), val[1]);

  for (const char* folder : {"best", "last"}) {
    const auto text = run_amem("lm generate --model " + (run / folder).string() + " --prompt 'The' --max-new-tokens 4");
    EXPECT_EQ(text.exit_code, 0) << folder << ": " << text.output;
  }
}

TEST(PretrainCommand, TrainsALlamaShapeWithASentencepieceTokenizer) {
  const auto out = amem::testing::fresh_dir("pretrain_command_llama");
  const auto r = run_amem("pretrain configs/pretrain/tiny_llama.yaml train.steps=10 train.eval_every=0 run.output_dir=" +
                          out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = only_run(out);
  const auto config = nlohmann::json::parse(amem::testing::read_file(run / "last" / "config.json"));
  EXPECT_EQ(config["model_type"], "llama");
  EXPECT_EQ(config["hidden_size"], 32);
  EXPECT_TRUE(fs::exists(run / "last" / "tokenizer.model"));
  const auto text = run_amem("lm generate --model " + (run / "last").string() + " --prompt 'The' --max-new-tokens 4");
  EXPECT_EQ(text.exit_code, 0) << text.output;
}

TEST(PretrainCommand, BadInputsAreOneLineErrors) {
  const auto dir = amem::testing::fresh_dir("pretrain_command_errors");
  const auto out = dir / "runs";
  const std::string base = "pretrain configs/pretrain/tiny_gpt2.yaml run.output_dir=" + out.string() + " ";
  struct Case {
    std::string overrides;
    int exit_code;
    std::string message;
  };
  std::ofstream(dir / "blank.txt") << "\n  \n\n";
  const std::vector<Case> cases = {
      {"pretrain.text_paths=[" + (dir / "missing.txt").string() + "]", 2,
       "pretrain.text_paths: '" + (dir / "missing.txt").string() + "': no such file"},
      {"pretrain.text_paths=[" + (dir / "blank.txt").string() + "]", 2,
       "pretrain.text_paths: '" + (dir / "blank.txt").string() + "': holds no document (every line is blank)"},
      {"pretrain.text_paths=[" + dir.string() + "]", 2, "pretrain.text_paths: '" + dir.string() + "': a folder (expected a text file)"},
      {"pretrain.text_paths=[data/pretrain-sample/pretrain-en-sample.txt.xz,data/pretrain-sample/pretrain-en-sample.txt.xz]", 2,
       "pretrain.text_paths: 'data/pretrain-sample/pretrain-en-sample.txt.xz': given twice"},
      {"pretrain.architecture.vocab_size=100", 2,
       "pretrain.architecture.vocab_size: 100 is below the tokenizer's 601 ids (null takes the tokenizer's size)"},
      {"pretrain.sequence_length=65", 2, "pretrain.sequence_length: 65 is beyond the model's context of 64 positions"},
      {"pretrain.architecture.model_type=null", 2, "pretrain.architecture.model_type: missing (gpt2, llama or t5)"},
      {"pretrain.architecture.n_layrs=2", 2, "pretrain.architecture.n_layrs"},
      {"model.dtype=bf16", 2, "model.dtype: bf16 is not trained by `amem pretrain`"},
  };
  for (const auto& c : cases) {
    const auto r = run_amem(base + c.overrides);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.overrides << "\n" << r.output;
    EXPECT_NE(amem::testing::error_line(r).find(c.message), std::string::npos) << c.overrides << "\n" << r.output;
  }
  // Rotary embeddings need an even head width: refused from the config, not by a tensor op mid-run.
  const auto odd = run_amem("pretrain configs/pretrain/tiny_llama.yaml pretrain.architecture.head_dim=7 run.output_dir=" +
                            out.string());
  EXPECT_EQ(odd.exit_code, 2) << odd.output;
  EXPECT_NE(amem::testing::error_line(odd).find("'head_dim': must be even for rotary position embeddings"),
            std::string::npos) << odd.output;
  EXPECT_FALSE(fs::exists(out));  // every mistake is found before the run folder exists
}
