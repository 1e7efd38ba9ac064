#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>

#include "amem/config/amem_schema.h"
#include "amem/data/data_settings.h"
#include "amem/data/qa_dataset_reader.h"
#include "amem/eval/online_eval.h"
#include "amem/methods/camels/camels_training_task.h"
#include "amem/methods/camels/weight_model.h"
#include "amem/methods/make_adapter.h"
#include "amem/run/metrics_log.h"
#include "amem/train/training_loop.h"
#include "support/error_of.h"
#include "support/interrupted_task.h"
#include "support/same_run.h"
#include "support/temp_dir.h"

using namespace amem;

namespace {

std::string source(const std::string& path) { return std::string(AMEM_SOURCE_DIR) + "/" + path; }

// A shipped config with its relative paths made absolute (tests do not run in the source folder).
config::Config tiny_config(const std::string& file, std::vector<std::string> overrides) {
  const std::vector<std::string> paths = {"model.path=" + source("tests/data/models/tiny-llama"),
                                          "camels.weight_model_path=" + source("tests/data/models/tiny-llama")};
  overrides.insert(overrides.begin(), paths.begin(), paths.end());
  const auto config = config::load_config(config::amem_schema(), source(file), {});
  for (const char* key : {"data.train_path", "data.val_path", "data.test_path"})
    if (!config.is_null(key))
      overrides.insert(overrides.begin(), std::string(key) + "=" + source(config.get<std::string>(key)));
  return config::load_config(config::amem_schema(), source(file), overrides);
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

}  // namespace

TEST(CamelsTraining, TheOuterLossFalls) {
  // One example per batch and a base reset after each: an epoch's outer losses are then a
  // function of the weight model alone, so epochs compare fairly.
  torch::manual_seed(0);
  methods::camels::CamelsTrainingTask task(
      tiny_config("configs/camels/tiny_streamingqa.yaml",
                  {"train.batch_size=1", "camels.reset_base_freq=1", "camels.inner_lr=0.05"}));
  const auto trainable = task.trainable();
  std::vector<torch::Tensor> tensors;
  for (const auto& [name, tensor] : trainable) tensors.push_back(tensor);
  torch::optim::Adam adam(tensors, torch::optim::AdamOptions(1e-3));
  const size_t examples = 7;  // questions in data/streamingqa-sample/train.csv
  std::vector<double> first, last;
  const int epochs = 6;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::vector<double> losses;
    for (size_t i = 0; i < examples; ++i) {
      adam.zero_grad();
      auto step = task.compute_loss();
      losses.push_back(step.loss.item<double>());
      step.loss.backward();
      adam.step();
    }
    if (epoch == 0) first = losses;
    if (epoch == epochs - 1) last = losses;
  }
  const double ratio = mean(last) / mean(first);
  std::cout << "outer loss: first epoch " << mean(first) << ", last epoch " << mean(last) << ", ratio " << ratio
            << "\n";
  EXPECT_LT(ratio, 0.9);
}

TEST(CamelsTraining, TrainsValidatesSavesAndTheSavedWeightModelEvaluates) {
  const auto run_dir = amem::testing::fresh_dir("camels_training");
  torch::manual_seed(0);
  const auto config = tiny_config("configs/camels/tiny_streamingqa.yaml", {});
  methods::camels::CamelsTrainingTask task(config);
  run::MetricsLog metrics((run_dir / "metrics.jsonl").string());
  const auto summary =
      train::run_training(task, train::TrainSettings::from(config), {run_dir, &metrics, "run:\n  seed: 0\n"});
  EXPECT_EQ(summary.steps, 4);
  ASSERT_TRUE(summary.best_value.has_value());
  const auto picture = amem::testing::read_file(run_dir / "validation" / "step-000002" / "token_weights.html");
  EXPECT_NE(picture.find("<span title=\""), std::string::npos);
  for (const char* file : {"config.json", "model.safetensors", methods::camels::kTokenWeightingHeadFile})
    EXPECT_TRUE(std::filesystem::exists(run_dir / "best" / file)) << file;
  const auto last = run_dir / "last";

  // The saved weight model is the trained one, and the "camels" adapter evaluates with it.
  auto saved = methods::camels::load_weight_model(last.string(), {}, {});
  EXPECT_TRUE(saved->trained_head());
  const auto ids = torch::tensor({{5, 6, 7, 8}}), mask = torch::ones({1, 4}, torch::kLong);
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(saved->forward(ids, mask), task.weight_model().forward(ids, mask)));
  }
  const auto eval_config = tiny_config("configs/eval/streamingqa_camels.yaml",
                                       {"camels.weight_model_path=" + last.string(), "camels.untrained_head=false"});
  auto adapter = methods::make_adapter(eval_config);
  EXPECT_EQ(adapter->name(), "camels");
  const auto results = eval::run_online_eval(
      *adapter, data::read_qa_dataset(data::DataSettings::from(eval_config).test), eval::OnlineEvalOptions{});
  EXPECT_GT(results.questions, 0u);
}

TEST(CamelsTraining, EveryTinyConfigTakesAMetaStepAndValidates) {
  for (const std::string name : {"squad", "streamingqa", "archivalqa"}) {
    torch::manual_seed(0);
    methods::camels::CamelsTrainingTask task(tiny_config("configs/camels/tiny_" + name + ".yaml", {}));
    auto step = task.compute_loss();
    step.loss.backward();
    EXPECT_TRUE(std::isfinite(step.loss.item<double>())) << name;
    const auto dir = amem::testing::fresh_dir("camels_tiny_" + name);
    const auto metrics = task.validate(dir);
    const std::map<std::string, double> by_name(metrics.begin(), metrics.end());
    EXPECT_TRUE(by_name.count("f1") && by_name.count("meta_qa_loss")) << name;
    EXPECT_TRUE(std::filesystem::exists(dir / "token_weights.html")) << name;
  }
}

TEST(CamelsTraining, AnUntrainedWeightModelNeedsToBeAllowed) {
  const auto config = tiny_config("configs/eval/streamingqa_camels.yaml", {"camels.untrained_head=false"});
  EXPECT_NE(amem::testing::error_of([&] { methods::make_adapter(config); }).find("has no trained head"),
            std::string::npos);
}

TEST(CamelsTraining, TheResetPeriodMustBeWholeBatches) {
  EXPECT_NE(amem::testing::error_of([&] {
              methods::camels::CamelsTrainingTask(
                  tiny_config("configs/camels/tiny_squad.yaml", {"train.batch_size=3", "camels.reset_base_freq=4"}));
            }).find("camels.reset_base_freq: 4 is not a multiple of train.batch_size (3)"),
            std::string::npos);
}

TEST(CamelsTraining, AResumedRunMatchesTheUninterruptedOneFromEveryCheckpointStep) {
  // Batches of 2 documents and a base reset every 4: steps 1 and 3 end between resets, where
  // the checkpoint must hold the base LM's updated weights and the count since the reset (and
  // validations at step 2 must be remembered for best/).
  const std::vector<std::string> overrides = {"train.steps=4", "train.save_every=1", "train.eval_every=2"};
  const auto config = tiny_config("configs/camels/tiny_streamingqa.yaml", overrides);
  const auto settings = train::TrainSettings::from(config);
  auto train_into = [&](train::TrainingTask& task, const train::TrainSettings& s, const std::filesystem::path& dir) {
    run::MetricsLog metrics((dir / "metrics.jsonl").string());
    train::run_training(task, s, {dir, &metrics, config.to_yaml()});
  };
  const auto whole = amem::testing::fresh_dir("camels_resume_whole");
  torch::manual_seed(0);
  {
    methods::camels::CamelsTrainingTask task(config);
    train_into(task, settings, whole);
  }
  for (int64_t stop = 1; stop < settings.steps; ++stop) {
    const auto first = amem::testing::fresh_dir("camels_resume_first_" + std::to_string(stop));
    torch::manual_seed(0);
    {
      methods::camels::CamelsTrainingTask task(config);
      amem::testing::InterruptedTask interrupted(task, stop, settings.grad_accum);
      EXPECT_THROW(train_into(interrupted, settings, first), amem::testing::Interrupted);
    }
    const auto second = amem::testing::fresh_dir("camels_resume_second_" + std::to_string(stop));
    torch::manual_seed(1);  // all randomness must come from the checkpoint
    methods::camels::CamelsTrainingTask task(config);
    auto resumed = settings;
    resumed.resume = (first / "checkpoint").string();
    train_into(task, resumed, second);
    EXPECT_EQ(amem::testing::logged_values(second), amem::testing::logged_values(whole)) << "stopped at " << stop;
    for (const char* folder : {"best", "last"})
      EXPECT_EQ(amem::testing::folder_differences(whole / folder, second / folder), std::vector<std::string>{})
          << folder << ", stopped at " << stop;
  }
}
