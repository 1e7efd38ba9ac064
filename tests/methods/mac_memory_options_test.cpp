// MAC training with the memory options (issue 16 item 3) on the tiny checkpoints (CPU), the T5
// networks' dropout on: mac.activation_checkpointing leaves every logged value and the trained
// networks unchanged bit for bit; train.optimizer_state_dtype=bf16 still trains; a run with both
// (and the foreach optimiser) resumes exactly, and a resume with float32 moments is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "amem/core/error.h"
#include "amem/methods/mac/mac_training_task.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/error_of.h"
#include "support/same_run.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"
#include "support/whole_sample_training.h"

namespace {

namespace fs = std::filesystem;

// The tiny T5 with dropout 0.1 (as t5-large's config.json; the shipped tiny one has none), so
// that the recomputed encoder blocks must replay their dropout masks.
const fs::path& t5_with_dropout() {
  static const fs::path dir = [] {
    const auto out = amem::testing::fresh_dir("mac_memory_options_t5");
    const fs::path tiny = fs::path(AMEM_SOURCE_DIR) / "tests" / "data" / "models" / "tiny-t5";
    for (const char* file : {"model.safetensors", "spiece.model", "tokenizer_config.json", "generation_config.json"})
      fs::copy_file(tiny / file, out / file);
    auto config = nlohmann::json::parse(amem::testing::read_file(tiny / "config.json"));
    config["dropout_rate"] = 0.1;
    amem::testing::write_file(out / "config.json", config.dump(2));
    return out;
  }();
  return dir;
}

amem::config::Config config_with(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"mac.amortizer=" + t5_with_dropout().string(),
                                       "mac.question_encoder=" + t5_with_dropout().string(), "train.log_every=1",
                                       "train.save_every=0", "train.eval_every=0", "train.val_documents=2",
                                       "train.schedule=constant"});
  return amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", overrides);
}

void train_into(const fs::path& dir, const amem::config::Config& config) {
  torch::manual_seed(0);
  amem::methods::MacTrainingTask task(config);
  amem::run::MetricsLog metrics((dir / "metrics.jsonl").string());
  amem::train::run_training(task, amem::train::TrainSettings::from(config), {dir, &metrics, config.to_yaml()});
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The training lines alone: the stopped run also validated at its last step, which the resumed
// run's log carries and the whole run's does not.
std::string training_lines(const fs::path& run) {
  std::string out;
  for (const auto& line : amem::testing::logged_values(run))
    if (line.find("\"loss\"") != std::string::npos) out += line + "\n";
  return out;
}

}  // namespace

TEST(MacMemoryOptions, ActivationCheckpointingTrainsTheSameNetworksBitForBit) {
  const auto plain = amem::testing::fresh_dir("mac_checkpointing_off");
  const auto checkpointed = amem::testing::fresh_dir("mac_checkpointing_on");
  train_into(plain, config_with({"train.steps=4"}));
  train_into(checkpointed, config_with({"train.steps=4", "mac.activation_checkpointing=amortizer_encoder"}));
  EXPECT_EQ(joined(amem::testing::logged_values(checkpointed)), joined(amem::testing::logged_values(plain)));
  EXPECT_EQ(joined(amem::testing::folder_differences(plain / "last", checkpointed / "last")), "");
}

TEST(MacMemoryOptions, Bf16MomentsStillLowerTheQaLoss) {
  const auto dir = amem::testing::fresh_dir("mac_bf16_moments_fall");
  // The whole sample (7 triples) is the batch; no dropout, so the losses compare exactly.
  const auto config = amem::testing::tiny_mac_config(
      "mac/tiny_gpt2.yaml", {"train.batch_size=7", "train.steps=20", "train.save_every=0", "mac.gpt_drop=false",
                             "train.optimizer_state_dtype=bf16"});
  torch::manual_seed(0);
  amem::methods::MacTrainingTask task(config);
  const auto [before, after] = amem::testing::train_on_whole_sample(task, config, dir);
  EXPECT_LT(after, 0.6 * before) << "before " << before << ", after " << after;
}

TEST(MacMemoryOptions, ARunWithCheckpointingAndBf16MomentsResumesExactly) {
  const std::vector<std::string> options = {"mac.activation_checkpointing=amortizer_encoder",
                                            "train.optimizer_state_dtype=bf16", "train.foreach_optimizer=true",
                                            "mac.lift_ratio=0.5"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), options.begin(), options.end());
    return config_with(extra);
  };
  const auto whole = amem::testing::fresh_dir("mac_memory_options_whole");
  const auto first = amem::testing::fresh_dir("mac_memory_options_first");
  const auto second = amem::testing::fresh_dir("mac_memory_options_second");
  train_into(whole, with({"train.steps=6"}));
  train_into(first, with({"train.steps=3"}));
  const std::string checkpoint = (first / "checkpoint").string();
  train_into(second, with({"train.steps=6", "train.resume=" + checkpoint}));
  EXPECT_EQ(training_lines(second), training_lines(whole));
  EXPECT_EQ(joined(amem::testing::folder_differences(whole / "last", second / "last")), "");

  // Float32 moments from a bfloat16 checkpoint: refused, not converted.
  const auto config = config_with({"train.steps=6", "train.resume=" + checkpoint, "mac.lift_ratio=0.5"});
  torch::manual_seed(0);
  amem::methods::MacTrainingTask task(config);
  const auto message =
      amem::testing::error_of([&] { amem::train::TrainingRun(task, amem::train::TrainSettings::from(config)); });
  EXPECT_EQ(message.rfind("train.resume: " + checkpoint + "/optimizer.safetensors: '", 0), 0u) << message;
  EXPECT_NE(message.find("' is stored in bf16, but this run keeps AdamW's moments in fp32 (train.optimizer_state_dtype)"),
            std::string::npos)
      << message;
}
