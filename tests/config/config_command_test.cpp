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

TEST(ConfigCommand, BadKeyExitsWithTwoAndOneLine) {
  const Result r = run_amem("config show configs/examples/hello.yaml +run.sed=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "amem: error: override '+run.sed=3': run.sed: unknown key (run has: name, seed, "
            "output_dir, log_level)\n");
  const Result missing = run_amem("config show configs/examples/nope.yaml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.output, "amem: error: configs/examples/nope.yaml: no such config file\n");
  EXPECT_EQ(run_amem("config frobnicate").exit_code, 2);
  EXPECT_EQ(run_amem("config show").exit_code, 2);
  EXPECT_EQ(run_amem("config --help").exit_code, 0);
}
