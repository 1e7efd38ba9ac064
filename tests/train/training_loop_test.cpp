#include "amem/train/training_loop.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/train/train_settings.h"
#include "amem/io/safetensors.h"
#include "amem/train/epoch_sampler.h"
#include "support/interrupted_task.h"
#include "support/same_run.h"
#include "support/metrics_jsonl.h"
#include "support/temp_dir.h"

using namespace amem::train;
namespace fs = std::filesystem;
using amem::testing::logged;

namespace {

// Linear regression on 12 fixed examples, drawn in seeded batches, with dropout so that a
// resumed run must also restore the generator. Validation "F1" rises as the error falls.
class RegressionTask : public TrainingTask {
 public:
  RegressionTask() : model_(4, 1), sampler_(12, 3, 5) {
    torch::manual_seed(0);
    x_ = torch::randn({12, 4});
    y_ = x_.matmul(torch::tensor({1.0f, -2.0f, 0.5f, 3.0f})).unsqueeze(1);
    for (auto& p : model_->parameters()) p.data().zero_();
  }
  NamedTensors trainable() override { return {{"w", model_->weight}, {"b", model_->bias}}; }
  torch::Device device() const override { return torch::kCPU; }
  StepOutput compute_loss() override {
    const auto rows = sampler_.next();
    const auto index = torch::tensor(std::vector<int64_t>(rows.begin(), rows.end()));
    auto out = torch::dropout(model_->forward(x_.index_select(0, index)), 0.1, true);
    auto loss = torch::mse_loss(out, y_.index_select(0, index));
    return {loss, {{"rows", double(rows.size())}}, int64_t(rows.size())};
  }
  TaskState state() const override { return {sampler_.position(), {}}; }
  void restore_state(const TaskState& state) override { sampler_.set_position(state.values); }
  Metrics validate(const fs::path& dir) override {
    EXPECT_TRUE(fs::is_directory(dir));
    const double error = torch::mse_loss(model_->forward(x_), y_).item<double>();
    ++validations;
    if (!scripted_f1.empty()) return {{"f1", scripted_f1.at(size_t(validations - 1))}, {"mse", error}};
    return {{"f1", 1.0 / (1.0 + error)}, {"mse", error}};
  }
  void save_model(const fs::path& dir) override {
    amem::io::save_safetensors((dir / "model.safetensors").string(), trainable());
  }

  torch::nn::Linear model_;
  EpochSampler sampler_;
  torch::Tensor x_, y_;
  int validations = 0;
  std::vector<double> scripted_f1;  // the F1 of each validation in turn, when given
};

TrainSettings settings(int64_t steps) {
  TrainSettings s;
  s.steps = steps;
  s.batch_size = 3;
  s.grad_accum = 2;
  s.max_tokens = 16;
  s.lr = 0.05;
  s.weight_decay = 0.01;
  s.schedule = "constant_with_warmup";
  s.warmup_steps = 2;
  s.max_grad_norm = 5.0;
  s.log_every = 1;
  s.eval_every = 4;
  s.save_every = 4;
  s.val_documents = -1;
  s.bf16_autocast = false;
  return s;
}

TrainingSummary train(TrainingTask& task, const TrainSettings& s, const fs::path& dir) {
  fs::create_directories(dir);
  amem::run::MetricsLog metrics((dir / "metrics.jsonl").string());
  return run_training(task, s, {dir, &metrics, "train:\n  steps: 1\n"});
}

}  // namespace

TEST(TrainingLoop, LossFallsAndBestAndLastModelsAreWritten) {
  const auto dir = amem::testing::fresh_dir("loop_basic");
  torch::manual_seed(1);
  RegressionTask task;
  const auto summary = train(task, settings(40), dir);
  const auto losses = logged(dir / "metrics.jsonl", "loss");
  ASSERT_EQ(losses.size(), 40u);
  EXPECT_LT(losses.back(), 0.1 * losses.front());
  EXPECT_EQ(task.validations, 10);
  EXPECT_EQ(summary.steps, 40);
  ASSERT_TRUE(summary.best_value.has_value());
  // Warm-up: lr 0 at the first step (factor 0/2), then half, then the peak.
  const auto lrs = logged(dir / "metrics.jsonl", "lr");
  EXPECT_DOUBLE_EQ(lrs[0], 0.0);
  EXPECT_DOUBLE_EQ(lrs[1], 0.025);
  EXPECT_DOUBLE_EQ(lrs[2], 0.05);
  // Micro-batch metrics are averaged: two micro-batches of 3 rows each.
  EXPECT_DOUBLE_EQ(logged(dir / "metrics.jsonl", "rows")[0], 3.0);
  EXPECT_EQ(logged(dir / "metrics.jsonl", "val_f1").size(), 10u);
  for (const char* folder : {"best", "last", "checkpoint"}) {
    EXPECT_TRUE(fs::exists(dir / folder / "config.yaml")) << folder;
  }
  const auto best = nlohmann::json::parse(amem::testing::read_file(dir / "best" / "validation.json"));
  EXPECT_EQ(best["step"].get<int64_t>(), summary.best_step);
  EXPECT_DOUBLE_EQ(best["metrics"]["f1"].get<double>(), *summary.best_value);
  // last/ holds the final weights.
  const auto last = amem::io::SafetensorsFile::open((dir / "last" / "model.safetensors").string());
  EXPECT_TRUE(torch::equal(last->load("w"), task.model_->weight));
}

TEST(TrainingLoop, ResumedRunContinuesBitForBit) {
  torch::manual_seed(2);
  RegressionTask straight;
  train(straight, settings(12), amem::testing::fresh_dir("loop_straight"));

  torch::manual_seed(2);
  RegressionTask first;
  const auto first_dir = amem::testing::fresh_dir("loop_first");
  train(first, settings(8), first_dir);  // checkpoint at step 8

  torch::manual_seed(99);  // resuming restores the generator, whatever it is now
  RegressionTask second;
  auto s = settings(12);
  s.resume = (first_dir / "checkpoint").string();
  const auto second_dir = amem::testing::fresh_dir("loop_second");
  const auto summary = train(second, s, second_dir);
  EXPECT_EQ(summary.steps, 12);
  EXPECT_TRUE(torch::equal(second.model_->weight, straight.model_->weight));
  EXPECT_TRUE(torch::equal(second.model_->bias, straight.model_->bias));
  const auto straight_losses = logged(fs::temp_directory_path() / "amem_test_loop_straight" / "metrics.jsonl", "loss");
  const auto resumed_losses = logged(second_dir / "metrics.jsonl", "loss");
  // The first 8 come from the checkpoint's copy of the first run's log.
  ASSERT_EQ(resumed_losses.size(), 12u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(resumed_losses[i], straight_losses[i]) << i;
}

TEST(TrainingLoop, TheForeachOptimizerResumesThePerParameterOnesCheckpointBitForBit) {
  // train.foreach_optimizer keeps AdamW's state and arithmetic: a run checkpointed with the
  // per-parameter AdamW and resumed with the foreach one ends where the plain run ends (CPU).
  torch::manual_seed(3);
  RegressionTask straight;
  train(straight, settings(12), amem::testing::fresh_dir("loop_foreach_straight"));
  torch::manual_seed(3);
  RegressionTask first;
  const auto first_dir = amem::testing::fresh_dir("loop_foreach_first");
  train(first, settings(8), first_dir);
  RegressionTask second;
  auto s = settings(12);
  s.resume = (first_dir / "checkpoint").string();
  s.foreach_optimizer = true;
  train(second, s, amem::testing::fresh_dir("loop_foreach_second"));
  EXPECT_TRUE(torch::equal(second.model_->weight, straight.model_->weight));
  EXPECT_TRUE(torch::equal(second.model_->bias, straight.model_->bias));
}

TEST(TrainingLoop, BestValidationsBeforeAnInterruptionSurviveTheResume) {
  // F1 0.9 at step 4, then 0.5 at step 8: a resumed run that forgot the first validation would
  // make the worse one best/.
  auto s = settings(8);
  torch::manual_seed(4);
  RegressionTask straight;
  straight.scripted_f1 = {0.9, 0.5};
  const auto straight_dir = amem::testing::fresh_dir("loop_best_straight");
  train(straight, s, straight_dir);

  torch::manual_seed(4);
  RegressionTask first;
  first.scripted_f1 = {0.9, 0.5};
  const auto first_dir = amem::testing::fresh_dir("loop_best_first");
  amem::testing::InterruptedTask interrupted(first, 6, s.grad_accum);
  EXPECT_THROW(train(interrupted, s, first_dir), amem::testing::Interrupted);  // checkpoint at 4
  // A kill in the middle of a line leaves it partial; the checkpoint's copy of the log has none.
  std::ofstream(first_dir / "metrics.jsonl", std::ios::app) << "{\"step\":7,\"lo";

  RegressionTask second;
  second.scripted_f1 = {0.5};
  s.resume = (first_dir / "checkpoint").string();
  const auto second_dir = amem::testing::fresh_dir("loop_best_second");
  const auto summary = train(second, s, second_dir);
  ASSERT_TRUE(summary.best_value.has_value());
  EXPECT_EQ(*summary.best_value, 0.9);
  EXPECT_EQ(summary.best_step, 4);
  EXPECT_EQ(nlohmann::json::parse(amem::testing::read_file(second_dir / "best" / "validation.json"))["step"], 4);
  for (const char* folder : {"best", "last"})
    EXPECT_EQ(amem::testing::folder_differences(straight_dir / folder, second_dir / folder),
              std::vector<std::string>{})
        << folder;
  EXPECT_EQ(amem::testing::logged_values(second_dir), amem::testing::logged_values(straight_dir));
}

TEST(TrainingLoop, KeepBestKeepsEachMetricsBestModelBesideBestAndSurvivesTheResume) {
  // F1 (best/) is best at step 4; the validation error falls, so best_mse/ is step 8's model.
  auto s = settings(8);
  s.keep_best = {{"mse", /*higher_is_better=*/false}};
  torch::manual_seed(4);
  RegressionTask straight;
  straight.scripted_f1 = {0.9, 0.5};
  const auto straight_dir = amem::testing::fresh_dir("loop_keep_best_straight");
  train(straight, s, straight_dir);
  const auto step_of = [](const fs::path& folder) {
    return nlohmann::json::parse(amem::testing::read_file(folder / "validation.json"))["step"].get<int64_t>();
  };
  EXPECT_EQ(step_of(straight_dir / "best"), 4);
  EXPECT_EQ(step_of(straight_dir / "best_mse"), 8);
  EXPECT_NE(amem::testing::folder_differences(straight_dir / "best", straight_dir / "best_mse"),
            std::vector<std::string>{});

  // Interrupted after the step-4 checkpoint and resumed: best_mse/ as if never stopped.
  torch::manual_seed(4);
  RegressionTask first;
  first.scripted_f1 = {0.9, 0.5};
  const auto first_dir = amem::testing::fresh_dir("loop_keep_best_first");
  amem::testing::InterruptedTask interrupted(first, 6, s.grad_accum);
  EXPECT_THROW(train(interrupted, s, first_dir), amem::testing::Interrupted);
  EXPECT_TRUE(fs::is_directory(first_dir / "checkpoint" / "best_mse"));
  RegressionTask second;
  second.scripted_f1 = {0.5};
  s.resume = (first_dir / "checkpoint").string();
  const auto second_dir = amem::testing::fresh_dir("loop_keep_best_second");
  train(second, s, second_dir);
  for (const char* folder : {"best", "best_mse", "last"})
    EXPECT_EQ(amem::testing::folder_differences(straight_dir / folder, second_dir / folder),
              std::vector<std::string>{})
        << folder;
}

TEST(TrainingLoop, KeepBestOfAMetricValidationDoesNotGiveIsAConfigErrorNamingIt) {
  auto s = settings(4);
  s.keep_best = {{"em", true}};
  RegressionTask task;
  try {
    train(task, s, amem::testing::fresh_dir("loop_keep_best_missing"));
    FAIL() << "expected a ConfigError";
  } catch (const amem::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "train.keep_best: validation gives no metric 'em' (it gives: f1, mse)");
  }
}

TEST(TrainingLoop, ResumingAtOrPastTheLastStepIsAConfigError) {
  torch::manual_seed(5);
  RegressionTask first;
  const auto first_dir = amem::testing::fresh_dir("loop_steps_first");
  train(first, settings(8), first_dir);
  for (const int64_t steps : {8, 4}) {
    RegressionTask second;
    auto s = settings(steps);
    s.resume = (first_dir / "checkpoint").string();
    try {
      TrainingRun run(second, s);
      FAIL() << "expected an error for train.steps " << steps;
    } catch (const amem::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("train.steps: " + std::to_string(steps) + " is not past the step of the checkpoint"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("(8)"), std::string::npos) << e.what();
    }
  }
}

TEST(TrainingLoop, DivergenceStopsWithAClearError) {
  torch::manual_seed(3);
  RegressionTask task;
  task.x_[5][2] = std::numeric_limits<float>::quiet_NaN();  // a corrupt example
  try {
    train(task, settings(30), amem::testing::fresh_dir("loop_diverge"));
    FAIL() << "expected divergence";
  } catch (const amem::Error& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged at step"), std::string::npos) << e.what();
  }
}

TEST(EpochSampler, VisitsEveryExampleOncePerEpochAndRejectsForeignPositions) {
  EpochSampler sampler(7, 3, 11);
  std::vector<int> seen(7, 0);
  for (int b = 0; b < 3; ++b)
    for (auto i : sampler.next()) ++seen[i];
  EXPECT_EQ(seen, std::vector<int>(7, 1));
  EXPECT_EQ(sampler.epoch(), 0);
  const auto position = sampler.position();
  const auto next = sampler.next();
  EXPECT_EQ(sampler.epoch(), 1);
  EpochSampler other(7, 3, 11);
  other.set_position(position);
  EXPECT_EQ(other.next(), next);
  EXPECT_THROW(other.set_position({{"epoch", 0}, {"offset", 8}}), amem::Error);
}

TEST(TrainSettings, KeepBestEntriesAreMetricAndDirection) {
  const auto parse = [&](const std::string& value) {
    return amem::train::TrainSettings::from(amem::config::load_config(
        amem::config::amem_schema(), std::string(AMEM_SOURCE_DIR) + "/configs/examples/hello.yaml",
        {"train.keep_best=" + value}));
  };
  const auto kept = parse("[qa_loss:min, em:max]").keep_best;
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].metric, "qa_loss");
  EXPECT_FALSE(kept[0].higher_is_better);
  EXPECT_EQ(kept[1].metric, "em");
  EXPECT_TRUE(kept[1].higher_is_better);
  EXPECT_TRUE(parse("[]").keep_best.empty());
  for (const char* bad : {"[em]", "[em:up]", "[:max]", "[em:max, em:min]"})
    EXPECT_THROW(parse(bad), amem::ConfigError) << bad;
}
