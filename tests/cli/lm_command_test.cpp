// End to end: `amem lm` and `amem inspect` on the tiny checkpoints.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::run_amem;

TEST(LmCommand, GenerateContinuesThePromptAsGreedySearchDoes) {
  const auto r = run_amem("lm generate --model tests/data/models/tiny-gpt2 --prompt 'Super Bowl' --max-new-tokens 5");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("Super Bowl", 0), 0u) << r.output;
  EXPECT_GT(r.output.size(), std::string("Super Bowl\n").size()) << r.output;
  const auto beams = run_amem("lm generate --model tests/data/models/tiny-llama --prompt 'Super Bowl' --num-beams 3 --max-new-tokens 4");
  EXPECT_EQ(beams.exit_code, 0) << beams.output;
}

// The continuation is what the new ids add to the prompt's text: tiny LLaMA's first greedy piece
// is "▁be", whose space a decode of the new ids alone dropped ("Who was thebe").
TEST(LmCommand, GenerateKeepsTheSpaceASentencepiecePieceCarries) {
  const auto r = run_amem("lm generate --model tests/data/models/tiny-llama --prompt 'Who was the' --max-new-tokens 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "Who was the be\n");
}

TEST(LmCommand, ScorePrintsOneLossPerTokenAndTheMean) {
  const auto dir = amem::testing::fresh_dir("lm_score");
  amem::testing::write_file(dir / "text.txt", "Super Bowl 50 was an American football game.");
  const auto r = run_amem("lm score --model tests/data/models/tiny-qwen2 --text " + (dir / "text.txt").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // A line per predicted token, then the summary line.
  size_t lines = 0;
  for (char c : r.output) lines += c == '\n';
  EXPECT_NE(r.output.find("mean loss"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("over " + std::to_string(lines - 1) + " tokens"), std::string::npos) << r.output;
}

TEST(LmCommand, BadFlagsAndCheckpointsAreOneLineErrors) {
  auto r = run_amem("lm generate --model tests/data/models/tiny-gpt2 --promt x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "amem: error: lm generate: --prompt is required (see amem lm --help)\n");
  r = run_amem("lm generate --model tests/data/models/tiny-gpt2 --prompt x --dtype fp8");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output.rfind("amem: error: lm generate: --dtype: fp8 not in {fp32,bf16}", 0), 0u) << r.output;
  r = run_amem("lm generate --model tests/data/models/tiny-t5 --prompt x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("key 'model_type': 't5' is not a supported causal LM"), std::string::npos) << r.output;
}

TEST(InspectCommand, ListsTensorsAndTotals) {
  const auto r = run_amem("inspect tests/data/models/tiny-llama");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("model.norm.weight"), std::string::npos);
  EXPECT_NE(r.output.find("21 tensors in 1 file(s), 150848 elements"), std::string::npos) << r.output;
  EXPECT_EQ(run_amem("inspect /nonexistent").output, "amem: error: /nonexistent: no such file or folder\n");
}

// bf16 storage: the weights are the fp32 ones rounded to bf16 (inspect shows the dtype), the
// converted folder scores a text as a model whose weights were rounded would (close to fp32,
// not equal), and a second conversion back to fp32 scores exactly as the bf16 folder.
TEST(LmCommand, ConvertStoresTheWeightsInTheGivenDtype) {
  const auto dir = amem::testing::fresh_dir("lm_convert");
  const auto bf16 = (dir / "bf16").string(), fp32 = (dir / "fp32").string();
  const auto r = run_amem("lm convert --model tests/data/models/tiny-gpt2 --dtype bf16 --out " + bf16);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto inspect = run_amem("inspect " + bf16);
  EXPECT_NE(inspect.output.find("BFloat16"), std::string::npos) << inspect.output;
  EXPECT_EQ(inspect.output.find("Float "), std::string::npos) << inspect.output;
  ASSERT_EQ(run_amem("lm convert --model " + bf16 + " --dtype fp32 --out " + fp32).exit_code, 0);
  const auto text = dir / "text.txt";
  std::ofstream(text) << "Super Bowl 50 was an American football game.";
  const auto mean = [&](const std::string& model) {
    const auto s = run_amem("lm score --model " + model + " --text " + text.string());
    return s.output.substr(s.output.rfind("mean loss"));
  };
  EXPECT_EQ(mean(fp32), mean(bf16 + " --dtype fp32"));
  EXPECT_NE(mean(fp32), mean("tests/data/models/tiny-gpt2"));

  const auto exists = run_amem("lm convert --model tests/data/models/tiny-gpt2 --dtype bf16 --out " + bf16);
  EXPECT_EQ(exists.exit_code, 2) << exists.output;
  EXPECT_NE(exists.output.find("--out '" + bf16 + "' exists"), std::string::npos) << exists.output;
  const auto no_dtype = run_amem("lm convert --model tests/data/models/tiny-gpt2 --out " + (dir / "x").string());
  EXPECT_EQ(no_dtype.exit_code, 2) << no_dtype.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
  const auto missing = run_amem("lm convert --model /nonexistent --dtype bf16 --out " + (dir / "y").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("lm convert: --model '/nonexistent': not a folder"), std::string::npos) << missing.output;
}
