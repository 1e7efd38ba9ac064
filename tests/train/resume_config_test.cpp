#include "amem/train/resume_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::train::check_resume_config;
using amem::train::resume_config_differences;

namespace {

const std::string kCheckpoint =
    "run:\n  name: run\n  seed: 0\n  output_dir: runs\n"
    "train:\n  steps: 12\n  lr: 0.001\n  resume: null\n  layers: [1, 2]\n";

std::vector<std::string> keys_of(const std::vector<amem::train::ConfigDifference>& differences) {
  std::vector<std::string> keys;
  for (const auto& d : differences) keys.push_back(d.key);
  return keys;
}

amem::config::Config tiny_config(const std::vector<std::string>& overrides) {
  return amem::config::load_config(amem::config::amem_schema(),
                                   std::string(AMEM_SOURCE_DIR) + "/configs/qa_tune/tiny_squad.yaml", overrides);
}

}  // namespace

TEST(ResumeConfig, TheSameConfigHasNoDifferences) {
  EXPECT_TRUE(resume_config_differences(kCheckpoint, kCheckpoint, "c.yaml").empty());
}

TEST(ResumeConfig, TheOutputFolderNameAndResumeMayDiffer) {
  const std::string run =
      "run:\n  name: again\n  seed: 0\n  output_dir: elsewhere\n"
      "train:\n  steps: 12\n  lr: 0.001\n  resume: /runs/run-1/checkpoint\n  layers: [1, 2]\n";
  EXPECT_TRUE(resume_config_differences(run, kCheckpoint, "c.yaml").empty());
}

// No training reads memory.* (amem train refuses it set), so a checkpoint's bank settings, or
// ones it lacks, do not stop a resume; a key merely starting with "memory" is not in the section.
TEST(ResumeConfig, TheMemorySectionMayDiffer) {
  const std::string checkpoint = kCheckpoint + "memory:\n  batch_size: 8\n  window: null\n";
  const std::string run = kCheckpoint + "memory:\n  batch_size: 16\n  dtype: bf16\n";
  EXPECT_TRUE(resume_config_differences(run, checkpoint, "c.yaml").empty());
  EXPECT_EQ(keys_of(resume_config_differences(kCheckpoint + "memory_extra:\n  a: 1\n", kCheckpoint, "c.yaml")),
            (std::vector<std::string>{"memory_extra.a"}));
}

TEST(ResumeConfig, AChangedValueIsADifferenceWithBothValues) {
  const std::string run =
      "run:\n  name: run\n  seed: 99\n  output_dir: runs\n"
      "train:\n  steps: 20\n  lr: 0.5\n  resume: null\n  layers: [1, 3]\n";
  const auto differences = resume_config_differences(run, kCheckpoint, "c.yaml");
  EXPECT_EQ(keys_of(differences), (std::vector<std::string>{"run.seed", "train.steps", "train.lr", "train.layers"}));
  ASSERT_EQ(differences.size(), 4u);
  EXPECT_EQ(*differences[2].run_value, "0.5");
  EXPECT_EQ(*differences[2].checkpoint_value, "0.001");
  EXPECT_EQ(*differences[3].run_value, "[1, 3]");
}

TEST(ResumeConfig, AnAddedOrRemovedKeyIsADifference) {
  const std::string run =
      "run:\n  name: run\n  seed: 0\n  output_dir: runs\n"
      "train:\n  steps: 12\n  resume: null\n  layers: [1, 2]\n  warmup_ratio: 0.1\n";
  const auto differences = resume_config_differences(run, kCheckpoint, "c.yaml");
  ASSERT_EQ(keys_of(differences), (std::vector<std::string>{"train.warmup_ratio", "train.lr"}));
  EXPECT_FALSE(differences[0].checkpoint_value);
  EXPECT_FALSE(differences[1].run_value);
  EXPECT_EQ(*differences[1].checkpoint_value, "0.001");
}

TEST(ResumeConfig, AnUnreadableCheckpointConfigNamesTheFile) {
  EXPECT_THROW(
      {
        try {
          resume_config_differences(kCheckpoint, "train: [1,\n", "ckpt/config.yaml");
        } catch (const amem::Error& e) {
          EXPECT_NE(std::string(e.what()).find("ckpt/config.yaml: not a YAML config"), std::string::npos) << e.what();
          throw;
        }
      },
      amem::Error);
}

TEST(ResumeConfig, ACheckIsOneLineNamingTheKeyBothValuesAndTheOverride) {
  const auto folder = amem::testing::fresh_dir("resume_config_check");
  amem::testing::write_file(folder / "config.yaml", tiny_config({"train.lr=0.001"}).to_yaml());
  // run.output_dir, run.name, run.log_level and train.resume are free.
  EXPECT_NO_THROW(check_resume_config(
      tiny_config({"train.lr=0.001", "run.output_dir=/elsewhere", "run.name=again", "run.log_level=debug", "train.resume=/x"}), folder));
  try {
    check_resume_config(tiny_config({"train.lr=0.5", "train.log_every=1"}), folder);
    FAIL() << "a changed train.lr was accepted";
  } catch (const amem::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find("override 'train.lr=0.5': train.lr: 0.5, but the checkpoint " + folder.string() +
                           " was trained with 0.001"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("(and 1 other key differs)"), std::string::npos) << message;
    EXPECT_NE(message.find("only run.output_dir, run.name, run.log_level, train.resume, train.metrics_every, "
                               "train.foreach_optimizer, train.cuda_graph, train.fused_optimizer, model.vocab_pad_multiple, "
                               "train.bf16_working_weights, mac.fused_rms_norm, distributed.timeout_s, distributed.bucket_mb, "
                               "memory.* may differ"), std::string::npos) << message;
  }
}

TEST(ResumeConfig, ACheckpointWithoutItsConfigIsAConfigErrorNamingTheFile) {
  const auto folder = amem::testing::fresh_dir("resume_config_missing");
  try {
    check_resume_config(tiny_config({}), folder);
    FAIL() << "a checkpoint without config.yaml was accepted";
  } catch (const amem::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find((folder / "config.yaml").string() + ": no such file"), std::string::npos)
        << e.what();
  }
}
