// End to end: `amem eval` of CMT (configs/eval/squad_cmt.yaml) decoding on the memory-aware
// logits (cmt.memory_aware.at_inference): α = 0 answers exactly as the memory prefix alone, and
// α > 0 runs the contrast through the whole stream.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::read_file;
using amem::testing::run_amem;

namespace {

// The run folder of `amem eval configs/eval/squad_cmt.yaml OVERRIDES` (a test failure if it fails).
std::filesystem::path eval_cmt(const std::string& name, const std::string& overrides) {
  const auto out = amem::testing::fresh_dir(name);
  const auto r = run_amem("eval configs/eval/squad_cmt.yaml " + overrides + " run.output_dir=" + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return only_run(out);
}

}  // namespace

TEST(CmtEval, MemoryAwareDecodingRunsAndAtAlphaZeroAnswersAsThePrefixAlone) {
  const auto plain = eval_cmt("cmt_eval_plain", "");
  const auto alpha0 = eval_cmt("cmt_eval_alpha0", "cmt.memory_aware.at_inference=true cmt.memory_aware.alpha=0");
  const auto alpha2 = eval_cmt("cmt_eval_alpha2", "cmt.memory_aware.at_inference=true cmt.memory_aware.alpha=2");
  EXPECT_EQ(read_file(alpha0 / "predictions.jsonl"), read_file(plain / "predictions.jsonl"));
  const auto plain_results = nlohmann::json::parse(read_file(plain / "results.json"));
  const auto contrast_results = nlohmann::json::parse(read_file(alpha2 / "results.json"));
  EXPECT_GT(contrast_results["questions"].get<int>(), 0);
  EXPECT_EQ(contrast_results["questions"], plain_results["questions"]);
  EXPECT_NE(read_file(alpha2 / "config.yaml").find("at_inference: true"), std::string::npos);
}
