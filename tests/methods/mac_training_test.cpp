// MAC meta-training end to end on the tiny checkpoints and the StreamingQA sample (CPU).
#include "amem/methods/mac/mac_training_task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/layers/rms_norm.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/error_of.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"
#include "support/whole_sample_training.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::MacTrainingTask;


// A config of configs/mac/ over the tiny checkpoints and the StreamingQA sample.
amem::config::Config tiny_config(const std::string& file, std::vector<std::string> overrides) {
  return amem::testing::tiny_mac_config("mac/" + file, std::move(overrides));
}

// Trains as `amem train` does (seed, task, loop) into `dir`; returns the loop's summary.
amem::train::TrainingSummary train_into(const fs::path& dir, const amem::config::Config& config) {
  torch::manual_seed(0);
  MacTrainingTask task(config);
  amem::run::MetricsLog metrics((dir / "metrics.jsonl").string());
  return amem::train::run_training(task, amem::train::TrainSettings::from(config),
                                   {dir, &metrics, config.to_yaml()});
}

std::vector<double> logged_losses(const fs::path& dir) {
  std::vector<double> losses;
  std::istringstream lines(amem::testing::read_file(dir / "metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  }
  return losses;
}

TEST(MacTraining, QaLossOnTheTrainingBatchFalls) {
  const auto dir = amem::testing::fresh_dir("mac_training_falls");
  // The whole sample (7 triples) is the batch; no base-LM dropout, so losses compare exactly.
  const auto config = tiny_config("tiny_gpt2.yaml", {"train.batch_size=7", "train.steps=20", "train.save_every=0",
                                                     "mac.gpt_drop=false"});
  torch::manual_seed(0);
  MacTrainingTask task(config);
  const auto [before, after] = amem::testing::train_on_whole_sample(task, config, dir);
  EXPECT_LT(after, 0.6 * before) << "before " << before << ", after " << after;
  RecordProperty("qa_loss_before_after", std::to_string(before) + " " + std::to_string(after));  // for notes
  // What training saved: the networks alone, and the config beside them.
  EXPECT_TRUE(fs::exists(dir / "last" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "last" / "config.yaml"));
  EXPECT_TRUE(fs::exists(dir / "validation" / "step-000020" / "window2" / "predictions.jsonl"));

  // A model loaded with mac.networks=<run>/last computes what the trained one does.
  const auto saved = tiny_config("tiny_gpt2.yaml", {"+mac.networks=" + (dir / "last").string()});
  amem::methods::MacModel reloaded(amem::methods::MacSettings::from(saved), amem::models::ModelSettings::from(saved));
  torch::NoGradGuard no_grad;
  task.model().networks()->eval();
  reloaded.networks()->eval();
  const std::vector<std::string> documents = {"The library opened in March.", "It holds 40,000 books."};
  const auto bank = task.model().amortize(documents);
  EXPECT_TRUE(torch::equal(reloaded.amortize(documents), bank));
  EXPECT_TRUE(torch::equal(reloaded.aggregate({"When did it open?"}, bank), task.model().aggregate({"When did it open?"}, bank)));
}

TEST(MacTraining, ResumingFromACheckpointContinuesTheRunExactly) {
  // With the base LM's dropout on (gpt_drop) and lift 0.5: the resumed run must restore the
  // networks, AdamW's moments, the data position and the generator.
  const std::vector<std::string> common = {"train.log_every=1", "train.save_every=0", "mac.lift_ratio=0.5",
                                           "train.schedule=constant"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), common.begin(), common.end());
    return extra;
  };
  const auto whole = amem::testing::fresh_dir("mac_resume_whole");
  const auto first = amem::testing::fresh_dir("mac_resume_first");
  const auto second = amem::testing::fresh_dir("mac_resume_second");
  train_into(whole, tiny_config("tiny_gpt2.yaml", with({"train.steps=12"})));
  train_into(first, tiny_config("tiny_gpt2.yaml", with({"train.steps=6"})));
  train_into(second, tiny_config("tiny_gpt2.yaml",
                                 with({"train.steps=12", "train.resume=" + (first / "checkpoint").string()})));
  const auto uninterrupted = logged_losses(whole), before = logged_losses(first), after = logged_losses(second);
  ASSERT_EQ(uninterrupted.size(), 12u);
  ASSERT_EQ(before.size(), 6u);
  // The resumed run's log starts with the checkpoint's copy of the first run's.
  ASSERT_EQ(after.size(), 12u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(before[i], uninterrupted[i]) << "step " << i + 1;
    EXPECT_EQ(after[i], uninterrupted[i]) << "step " << i + 1;
    EXPECT_EQ(after[6 + i], uninterrupted[6 + i]) << "step " << i + 7;
  }
}

}  // namespace

// mac.fused_rms_norm reaches every RMS norm of both T5 networks (and no other module), or is
// refused, naming the key, by a build without at::rms_norm.
TEST(MacTraining, FusedRmsNormKeyReachesEveryT5NormOrIsRefused) {
  const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"mac.fused_rms_norm=true"});
  if (!amem::layers::fused_rms_norm_available()) {
    EXPECT_EQ(amem::testing::error_of([&] { MacTrainingTask task(config); }),
              "override 'mac.fused_rms_norm=true': mac.fused_rms_norm: needs LibTorch 2.4 or newer (at::rms_norm), "
              "and this build has " TORCH_VERSION "; set it to false");
    // `amem sweep` refuses it before any cell runs, and `amem eval` before reading data.
    const auto out = amem::testing::fresh_dir("fused_rms_norm_sweep") / "sweep";
    const auto sweep = amem::testing::run_amem("sweep configs/eval/streamingqa_none.yaml --out " + out.string() +
                                               " --grid mac.fused_rms_norm=false,true");
    EXPECT_EQ(sweep.exit_code, 2) << sweep.output;
    EXPECT_NE(amem::testing::error_line(sweep).find("mac.fused_rms_norm: needs LibTorch 2.4"), std::string::npos)
        << sweep.output;
    EXPECT_FALSE(fs::exists(out / "runs")) << "a cell ran";
    const auto eval = amem::testing::run_amem("eval configs/eval/streamingqa_none.yaml mac.fused_rms_norm=true "
                                              "run.output_dir=" + (out.parent_path() / "eval").string());
    EXPECT_EQ(eval.exit_code, 2) << eval.output;
    EXPECT_EQ(eval.output.find("[info]"), std::string::npos) << "read data first: " << eval.output;
    EXPECT_FALSE(fs::exists(out.parent_path() / "eval"));
    return;
  }
  for (const bool fused : {false, true}) {
    MacTrainingTask task(fused ? config : amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {}));
    int norms = 0;
    for (const auto& m : task.trained_module()->modules(/*include_self=*/false))
      if (const auto* norm = dynamic_cast<const amem::layers::RMSNormImpl*>(m.get())) {
        EXPECT_EQ(norm->fused(), fused);
        ++norms;
      }
    EXPECT_GT(norms, 4);
  }
}
