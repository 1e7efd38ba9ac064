#include "amem/train/finite_step.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "amem/core/error.h"
#include "amem/train/training_loop.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using namespace amem::train;
namespace fs = std::filesystem;

TEST(FiniteStep, NamesTheLossOrTheFirstNonFiniteParameter) {
  const auto inf = std::numeric_limits<float>::infinity();
  const auto w = torch::ones({2, 3});
  const auto bad = torch::tensor({1.0f, inf});
  EXPECT_TRUE(all_finite({w, torch::Tensor(), torch::zeros({0})}));
  EXPECT_FALSE(all_finite({w, bad}));
  EXPECT_EQ(amem::testing::error_of([&] { check_finite_step("step 1", torch::tensor(0.5f), {{"w", w}}); }), "no error");
  EXPECT_EQ(amem::testing::error_of([&] { check_finite_step("step 1", torch::tensor(NAN), {{"w", w}}); }),
            "step 1: the loss is nan (lower the learning rate)");
  EXPECT_EQ(amem::testing::error_of([&] { check_finite_step("step 2", torch::tensor(0.5f), {{"w", w}, {"b", bad}}); }),
            "step 2: the updated weights are not finite (NaN or Inf in 'b'; lower the learning rate)");
  EXPECT_NE(amem::testing::error_of([&] { check_finite_step("step 3", torch::Tensor(), {{"w", w * NAN}}); })
                .find("in 'w'"),
            std::string::npos);
}

namespace {

// One weight at 3.4e38 and the loss -w: finite (-3.4e38), with gradient -1, so AdamW's first
// step (lr 1e37 times a unit ratio) carries w past float32's largest value (3.40282e38) to +inf.
class OverflowingTask : public TrainingTask {
 public:
  NamedTensors trainable() override { return {{"w", w_}}; }
  torch::Device device() const override { return torch::kCPU; }
  StepOutput compute_loss() override { return {-w_.sum(), {}, 1}; }
  TaskState state() const override { return {}; }
  void restore_state(const TaskState&) override {}
  Metrics validate(const fs::path&) override {
    ADD_FAILURE() << "validation must not see non-finite weights";
    return {{"f1", 0.0}};
  }
  void save_model(const fs::path&) override { ADD_FAILURE() << "non-finite weights must not be saved"; }

  torch::Tensor w_ = torch::full({1}, 3.4e38f).requires_grad_(true);
};

}  // namespace

// The loop's divergence stop looked at the loss only: a step whose loss was finite but whose
// update overflowed the weights went on to validate and save them.
TEST(FiniteStep, TrainingStopsWhenAStepOverflowsTheWeightsOfAFiniteLoss) {
  const auto dir = amem::testing::fresh_dir("finite_step_training");
  OverflowingTask task;
  TrainSettings s;
  s.steps = 1;
  s.batch_size = 1;
  s.grad_accum = 1;
  s.max_tokens = 2;
  s.lr = 1e37;
  s.weight_decay = 0;
  s.schedule = "constant";
  s.warmup_steps = 0;
  s.log_every = 1;
  s.eval_every = 1;
  s.save_every = 1;
  s.val_documents = -1;
  s.bf16_autocast = false;
  const auto error = amem::testing::error_of([&] { run_training(task, s, {dir, nullptr, ""}); });
  EXPECT_EQ(error, "training diverged at step 1: the updated weights are not finite (NaN or Inf in 'w'; lower the "
                   "learning rate)");
  EXPECT_FALSE(fs::exists(dir / "last"));
  EXPECT_FALSE(fs::exists(dir / "checkpoint"));
}
