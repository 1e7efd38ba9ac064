// End to end: `amem train` on the tiny MAC config, and the mistakes it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace {

using amem::testing::run_amem;

TEST(TrainCommand, MetaTrainsMacIntoARunFolder) {
  const auto out = amem::testing::fresh_dir("train_command_mac");
  const auto r = run_amem("train configs/mac/tiny_gpt2.yaml train.steps=3 run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trained 3 steps"), std::string::npos) << r.output;
  const auto run = amem::testing::only_run(out);
  for (const char* file : {"metrics.jsonl", "checkpoint/trainable.safetensors", "last/model.safetensors",
                           "last/config.yaml", "best/validation.json"})
    EXPECT_TRUE(std::filesystem::exists(run / file)) << file;
  // The base LM is never saved: no GPT-2 tensor among the trained ones.
  const auto saved = amem::testing::read_file(run / "last" / "model.safetensors");
  EXPECT_EQ(saved.find("wte.weight"), std::string::npos);
  EXPECT_NE(saved.find("amortizer.queries"), std::string::npos);
}

TEST(TrainCommand, NamesTheMethodAndLiftMistakes) {
  const auto out = amem::testing::fresh_dir("train_command_errors");
  const std::string config = "train configs/mac/tiny_gpt2.yaml run.output_dir=" + out.string();
  auto unknown = run_amem(config + " train.method=camel");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("override 'train.method=camel': train.method: expected one of mac, camels, qa_tune, "
                               "got 'camel'"),
            std::string::npos)
      << unknown.output;
  auto none = run_amem(config + " train.batch_size=1 mac.lift_ratio=0.5");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("override 'mac.lift_ratio=0.5': mac.lift_ratio: 0.5 of train.batch_size 1 lifts no document"), std::string::npos)
      << none.output;
  auto share = run_amem(config + " mac.lift_ratio=1.5");
  EXPECT_EQ(share.exit_code, 2);
  EXPECT_NE(share.output.find("override 'mac.lift_ratio=1.5': mac.lift_ratio: must be > 0 and <= 1, got 1.5\n"), std::string::npos)
      << share.output;
  // A mistake leaves no run folder behind.
  EXPECT_TRUE(std::filesystem::is_empty(out));
}

}  // namespace
