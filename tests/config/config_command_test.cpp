// End to end: the built `amem` program on the example config in configs/.
#include <gtest/gtest.h>

#include <string>

#include "support/run_amem.h"

using amem::testing::run_amem;
using Result = amem::testing::CommandResult;

TEST(ConfigCommand, ShowsTheResolvedExample) {
  const Result r = run_amem("config show configs/examples/hello.yaml run.seed=3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The run section as the file and override set it; the other sections follow with defaults.
  const std::string run_section =
      "run:\n"
      "  name: hello\n"
      "  seed: 3\n"
      "  output_dir: runs\n"
      "  log_level: debug\n";
  EXPECT_EQ(r.output.substr(0, run_section.size()), run_section) << r.output;
  EXPECT_NE(r.output.find("\nmodel:\n  path: null\n"), std::string::npos) << r.output;
}

TEST(ConfigCommand, ListsKeysWithTypesAndDefaults) {
  const Result r = run_amem("config keys");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Keys are padded to the longest key's width.
  const auto line = r.output.find("\n  run.seed  ");
  ASSERT_NE(line, std::string::npos) << r.output;
  const auto description = r.output.find("an integer >= 0, default 0: seed of every random generator", line);
  EXPECT_LT(description, r.output.find('\n', line + 1)) << r.output;
}

// Enumerated keys show their choices, the same list that validation and the commands use.
TEST(ConfigCommand, ListsTheChoicesOfEnumeratedKeys) {
  const Result r = run_amem("config keys");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& key : {"train.method", "model.dtype", "model.device", "eval.adapter", "train.schedule"}) {
    const auto at = r.output.find("\n  " + key + " ");
    ASSERT_NE(at, std::string::npos) << key;
    const auto line = r.output.substr(at + 1, r.output.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("(one of "), std::string::npos) << line;
  }
  EXPECT_NE(r.output.find("(one of mac, camels, qa_tune)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(one of fp32, bf16)"), std::string::npos) << r.output;
}

// The spellings the help texts and configs/README.md give: a declared key (null by default)
// is set without `+`; `+` keeps working.
TEST(ConfigCommand, DocumentedSpellingsOfDeclaredKeysWork) {
  for (const std::string& prefix : {"", "+"}) {
    const Result resume = run_amem("config show configs/qa_tune/tiny_squad.yaml " + prefix + "train.resume=runs/x/checkpoint");
    EXPECT_EQ(resume.exit_code, 0) << resume.output;
    EXPECT_NE(resume.output.find("  resume: runs/x/checkpoint\n"), std::string::npos) << resume.output;
    const Result networks = run_amem("config show configs/eval/streamingqa_mac.yaml " + prefix + "mac.networks=runs/x/best");
    EXPECT_EQ(networks.exit_code, 0) << networks.output;
    EXPECT_NE(networks.output.find("  networks: runs/x/best\n"), std::string::npos) << networks.output;
  }
  const Result typo = run_amem("config show configs/qa_tune/tiny_squad.yaml train.resum=x");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("train.resum: unknown key (train has: "), std::string::npos) << typo.output;
}

TEST(ConfigCommand, BadKeyExitsWithTwoAndOneLine) {
  const Result r = run_amem("config show configs/examples/hello.yaml +run.sed=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "amem: error: override '+run.sed=3': run.sed: unknown key (run has: name, seed, "
            "output_dir, log_level); did you mean run.seed?\n");
  const Result missing = run_amem("config show configs/examples/nope.yaml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.output, "amem: error: configs/examples/nope.yaml: no such config file\n");
  EXPECT_EQ(run_amem("config frobnicate").exit_code, 2);
  EXPECT_EQ(run_amem("config show").exit_code, 2);
  EXPECT_EQ(run_amem("config --help").exit_code, 0);
}
