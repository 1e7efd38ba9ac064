#include "amem/train/training_checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "amem/core/error.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/lr_schedule.h"
#include "amem/train/optimizer_state_key.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using namespace amem::train;

namespace {

// One training step whose batch comes from the global generator, so that resuming must
// restore the generator too to reproduce the run.
float train_step(torch::nn::Linear& model, torch::optim::Optimizer& optimizer,
                 const LrSchedule& schedule, int64_t step) {
  schedule.apply(optimizer, step);
  auto x = torch::randn({8, 4});
  auto y = x.sum(1, true) * 0.5;
  auto noise = torch::nn::functional::dropout(model->forward(x), torch::nn::functional::DropoutFuncOptions().p(0.1));
  auto loss = torch::mse_loss(noise, y);
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
  return loss.item<float>();
}

NamedTensors trainable(torch::nn::Linear& model) {
  return {{"proj.weight", model->weight}, {"proj.bias", model->bias}};
}

}  // namespace

TEST(TrainingCheckpoint, ResumeReproducesTheUninterruptedRunBitForBit) {
  const auto dir = amem::testing::fresh_dir("train_ckpt") / "checkpoint";
  const LrSchedule schedule("cosine", 0.05, 2, 10);

  torch::manual_seed(7);
  torch::nn::Linear model(4, 1);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.05).weight_decay(0.01));
  std::vector<float> uninterrupted;
  for (int64_t step = 0; step < 6; ++step) {
    if (step == 3)
      save_training_checkpoint(dir.string(), trainable(model), optimizer,
                               {step, {{{"epoch", 0}, {"batch", 3}}, {}}, std::nullopt}, {{"config.yaml", "train:\n  lr: 0.05\n"}});
    uninterrupted.push_back(train_step(model, optimizer, schedule, step));
  }
  const auto final_weight = model->weight.clone();

  torch::manual_seed(12345);  // a different start: everything must come from the checkpoint
  torch::nn::Linear resumed(4, 1);
  torch::optim::AdamW resumed_optimizer(resumed->parameters(), torch::optim::AdamWOptions(0.05).weight_decay(0.01));
  const auto progress = load_training_checkpoint(dir.string(), trainable(resumed), resumed_optimizer);
  EXPECT_EQ(progress.step, 3);
  EXPECT_EQ(progress.task.values["batch"], 3);
  EXPECT_EQ(amem::testing::read_file(dir / "config.yaml"), "train:\n  lr: 0.05\n");
  for (int64_t step = progress.step; step < 6; ++step)
    EXPECT_EQ(train_step(resumed, resumed_optimizer, schedule, step), uninterrupted[size_t(step)]) << step;
  EXPECT_TRUE(torch::equal(resumed->weight, final_weight));
}

TEST(TrainingCheckpoint, OverwritesAtomicallyAndRejectsIncompleteFolders) {
  const auto root = amem::testing::fresh_dir("train_ckpt_overwrite");
  torch::nn::Linear model(2, 2);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  const auto dir = (root / "last").string();
  save_training_checkpoint(dir, trainable(model), optimizer, {1, {}, std::nullopt});
  save_training_checkpoint(dir, trainable(model), optimizer, {2, {}, std::nullopt});
  const auto entries = std::distance(std::filesystem::directory_iterator(root),
                                     std::filesystem::directory_iterator());
  EXPECT_EQ(entries, 1);  // no temporary or old folder left behind
  EXPECT_EQ(load_training_checkpoint(dir, trainable(model), optimizer).step, 2);

  std::filesystem::remove(root / "last" / "rng.safetensors");
  try {
    load_training_checkpoint(dir, trainable(model), optimizer);
    FAIL() << "expected an error";
  } catch (const amem::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a training checkpoint (no rng.safetensors)"), std::string::npos);
  }
}

TEST(TrainingCheckpoint, AKillBetweenTheTwoRenamesOfTheSwapLeavesTheOldOneToResumeFrom) {
  // write_folder_atomic renames the old folder to "<dir>.old" before renaming the new one in; a
  // kill between the two leaves no "<dir>", and loading "<dir>" must find the old checkpoint.
  const auto root = amem::testing::fresh_dir("train_ckpt_swap");
  torch::nn::Linear model(2, 2);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.1));
  const auto dir = (root / "checkpoint").string();
  TaskState task{{{"offset", 3}}, {{"carried", torch::arange(4.0)}}};
  save_training_checkpoint(dir, trainable(model), optimizer, {5, task, BestValidation{0.25, 4}});
  std::filesystem::rename(dir, dir + ".old");
  std::filesystem::create_directory(dir + ".tmp-123");  // the new one, half-written
  const auto progress = load_training_checkpoint(dir, trainable(model), optimizer);
  EXPECT_EQ(checkpoint_folder(dir), std::filesystem::path(dir + ".old"));
  EXPECT_EQ(progress.step, 5);
  EXPECT_EQ(progress.task.values["offset"], 3);
  ASSERT_EQ(progress.task.tensors.size(), 1u);
  EXPECT_EQ(progress.task.tensors[0].first, "carried");
  EXPECT_TRUE(torch::equal(progress.task.tensors[0].second, torch::arange(4.0)));
  ASSERT_TRUE(progress.best.has_value());
  EXPECT_EQ(progress.best->value, 0.25);
  EXPECT_EQ(progress.best->step, 4);

  std::filesystem::rename(dir + ".old", root / "elsewhere");
  try {
    load_training_checkpoint(dir, trainable(model), optimizer);
    FAIL() << "expected an error";
  } catch (const amem::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + ": no such checkpoint folder"), std::string::npos) << e.what();
  }
}

TEST(TrainingCheckpoint, Bf16MomentsResumeAsStoredAndAnotherDtypeIsRefusedBeforeAnythingIsRestored) {
  const auto dir = (amem::testing::fresh_dir("train_ckpt_state_dtype") / "checkpoint").string();
  const LrSchedule schedule("constant", 0.05, 0, 10);
  const auto options = torch::optim::AdamWOptions(0.05);
  const auto moments = [](torch::optim::Optimizer& optimizer, const torch::Tensor& p) -> const torch::optim::AdamWParamState& {
    return static_cast<const torch::optim::AdamWParamState&>(*optimizer.state().at(optimizer_state_key(p)));
  };
  torch::manual_seed(7);
  torch::nn::Linear model(4, 1);
  auto bf16 = make_adamw(model->parameters(), options, /*foreach=*/false, torch::kBFloat16);
  train_step(model, *bf16, schedule, 0);
  save_training_checkpoint(dir, trainable(model), *bf16, {1, {}, std::nullopt});

  torch::nn::Linear same(4, 1);
  auto same_optimizer = make_adamw(same->parameters(), options, /*foreach=*/true, torch::kBFloat16);
  load_training_checkpoint(dir, trainable(same), *same_optimizer);
  const auto& stored = moments(*bf16, model->weight);
  const auto& restored = moments(*same_optimizer, same->weight);
  EXPECT_EQ(restored.exp_avg().scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(restored.exp_avg(), stored.exp_avg()));
  EXPECT_TRUE(torch::equal(restored.exp_avg_sq(), stored.exp_avg_sq()));

  torch::nn::Linear other(4, 1);
  const auto weight_before = other->weight.clone();
  auto fp32 = make_adamw(other->parameters(), options, /*foreach=*/false, torch::kFloat32);
  const auto message = amem::testing::error_of([&] { load_training_checkpoint(dir, trainable(other), *fp32); });
  EXPECT_NE(message.find("optimizer.safetensors: 'proj.weight/exp_avg' is stored in bf16, but this run keeps AdamW's "
                         "moments in fp32 (train.optimizer_state_dtype); resume with the checkpoint's"),
            std::string::npos)
      << message;
  EXPECT_TRUE(torch::equal(other->weight, weight_before)) << "the refused checkpoint changed the weights";
}

TEST(LrSchedule, MatchesTransformersFormulas) {
  const LrSchedule warm("constant_with_warmup", 1.0, 4, 0);
  EXPECT_DOUBLE_EQ(warm.factor(0), 0.0);
  EXPECT_DOUBLE_EQ(warm.factor(1), 0.25);
  EXPECT_DOUBLE_EQ(warm.factor(100), 1.0);
  const LrSchedule linear("linear", 2.0, 2, 12);
  EXPECT_DOUBLE_EQ(linear.lr(1), 1.0);
  EXPECT_DOUBLE_EQ(linear.lr(7), 1.0);  // halfway through the 10 decay steps
  EXPECT_DOUBLE_EQ(linear.lr(12), 0.0);
  EXPECT_DOUBLE_EQ(linear.lr(20), 0.0);
  const LrSchedule cosine("cosine", 1.0, 0, 4);
  EXPECT_DOUBLE_EQ(cosine.factor(0), 1.0);
  EXPECT_NEAR(cosine.factor(2), 0.5, 1e-15);
  EXPECT_NEAR(cosine.factor(1), 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_THROW(LrSchedule("cosine", 1.0, 5, 5), amem::ConfigError);
  EXPECT_THROW(LrSchedule("step", 1.0, 0, 5), amem::ConfigError);
}
