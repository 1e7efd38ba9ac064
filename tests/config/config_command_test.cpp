// End to end: the built `amem` program on the example config in configs/.
#include <gtest/gtest.h>

#include <string>

#include "support/run_amem.h"

using amem::testing::run_amem;
using Result = amem::testing::CommandResult;

TEST(ConfigCommand, ShowsTheResolvedExample) {
  const Result r = run_amem("config show configs/examples/hello.yaml run.seed=3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "run:\n"
            "  name: hello\n"
            "  seed: 3\n"
            "  output_dir: runs\n"
            "  log_level: debug\n");
}

TEST(ConfigCommand, ListsKeysWithTypesAndDefaults) {
  const Result r = run_amem("config keys");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(
                "\n  run.seed        an integer >= 0, default 0: seed of every random generator"),
            std::string::npos)
      << r.output;
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
