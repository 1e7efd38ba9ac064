// train.metrics_every: MAC's training step runs its extra no-grad metric forwards (qa_loss_base,
// text_loss, ...) only on every N-th step and the last. The loss must not change, and the steps
// that have metrics must log what the every-step run logs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "amem/methods/mac/mac_training_task.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"

namespace {

namespace fs = std::filesystem;

// The training lines of a run of 5 steps of 2 micro-batches each, every line logged.
std::vector<nlohmann::json> train_lines(const std::string& name, int64_t metrics_every) {
  const auto dir = amem::testing::fresh_dir(name);
  const auto config = amem::testing::tiny_mac_config(
      "mac/tiny_gpt2.yaml", {"train.steps=5", "train.grad_accum=2", "train.batch_size=3", "train.log_every=1",
                             "train.save_every=0", "train.eval_every=0", "train.val_documents=2",
                             "train.metrics_every=" + std::to_string(metrics_every)});
  torch::manual_seed(0);
  amem::methods::MacTrainingTask task(config);
  amem::run::MetricsLog metrics((dir / "metrics.jsonl").string());
  amem::train::run_training(task, amem::train::TrainSettings::from(config), {dir, &metrics, config.to_yaml()});
  std::vector<nlohmann::json> lines;
  std::istringstream in(amem::testing::read_file(dir / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) lines.push_back(std::move(j));
  }
  return lines;
}

}  // namespace

TEST(MacMetricsEvery, MetricsOnEveryNthStepAndTheLastWithTheSameLoss) {
  const auto every = train_lines("mac_metrics_every_1", 1);
  const auto second = train_lines("mac_metrics_every_2", 2);
  ASSERT_EQ(every.size(), 5u);
  ASSERT_EQ(second.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const int64_t step = int64_t(i) + 1;
    EXPECT_EQ(second[i]["loss"].get<double>(), every[i]["loss"].get<double>()) << "step " << step;
    EXPECT_TRUE(every[i].contains("qa_loss_base")) << "step " << step;
    const bool expected = step % 2 == 0 || step == 5;
    ASSERT_EQ(second[i].contains("qa_loss_base"), expected) << "step " << step;
    if (expected)
      for (const char* key : {"qa_loss", "qa_loss_base", "text_loss", "text_loss_base"})
        EXPECT_EQ(second[i][key].get<double>(), every[i][key].get<double>()) << key << " at step " << step;
  }
}
