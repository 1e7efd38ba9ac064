// End to end: `amem qa-tune` on the tiny SQuAD config.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_amem.h"
#include "support/metrics_jsonl.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::run_amem;
namespace fs = std::filesystem;
using amem::testing::logged;

TEST(QaTuneCommand, TrainsTheAnswerOnlyLossAndWritesLoadableCheckpoints) {
  const auto out = amem::testing::fresh_dir("qa_tune_command");
  const auto r = run_amem("qa-tune configs/qa_tune/tiny_squad.yaml run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("best validation F1"), std::string::npos) << r.output;
  const auto run = only_run(out);

  const auto losses = logged(run / "metrics.jsonl", "loss");
  ASSERT_EQ(losses.size(), 6u);  // every 5 of 30 steps
  EXPECT_LT(losses.back(), 0.85 * losses.front()) << "first " << losses.front() << " last " << losses.back();
  EXPECT_EQ(logged(run / "metrics.jsonl", "val_f1").size(), 2u);
  EXPECT_TRUE(fs::exists(run / "validation" / "step-000015" / "predictions.jsonl"));

  // best/ and last/ are Hugging Face checkpoints, tokenizer included, that amem's loader reads.
  for (const char* folder : {"best", "last"}) {
    const auto answer =
        run_amem("lm generate --model " + (run / folder).string() + " --prompt 'who won' --max-new-tokens 4");
    EXPECT_EQ(answer.exit_code, 0) << folder << ": " << answer.output;
    EXPECT_TRUE(fs::exists(run / folder / "config.yaml")) << folder;
  }
}

TEST(QaTuneCommand, ResumingFromTheMidRunCheckpointReproducesTheRest) {
  const auto straight = amem::testing::fresh_dir("qa_tune_straight");
  ASSERT_EQ(run_amem("qa-tune configs/qa_tune/tiny_squad.yaml train.eval_every=0 run.output_dir=" + straight.string())
                .exit_code,
            0);
  const auto first = amem::testing::fresh_dir("qa_tune_first");
  ASSERT_EQ(run_amem("qa-tune configs/qa_tune/tiny_squad.yaml train.eval_every=0 train.steps=15 "
                     "train.warmup_ratio=0.2 run.output_dir=" + first.string())
                .exit_code,
            0);
  // warmup_ratio 0.2 of 15 steps is the same 3 warm-up steps as 0.1 of 30: the first run's
  // checkpoint is the straight run's at step 15, so it carries the straight run's config (a
  // resume must use the checkpoint's config; only the output folder may differ).
  amem::testing::write_file(only_run(first) / "checkpoint" / "config.yaml",
                            amem::testing::read_file(only_run(straight) / "config.yaml"));
  const auto second = amem::testing::fresh_dir("qa_tune_second");
  const auto r = run_amem("qa-tune configs/qa_tune/tiny_squad.yaml train.eval_every=0 train.resume=" +
                          (only_run(first) / "checkpoint").string() + " run.output_dir=" + second.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto all = logged(only_run(straight) / "metrics.jsonl", "loss");
  const auto resumed = logged(only_run(second) / "metrics.jsonl", "loss");
  ASSERT_EQ(all.size(), 6u);
  // The first 3 come from the checkpoint's copy of the first run's log.
  ASSERT_EQ(resumed.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(resumed[i], all[i]) << i;
}

TEST(QaTuneCommand, MissingTrainingDataIsAConfigError) {
  const auto out = amem::testing::fresh_dir("qa_tune_errors");
  const auto r = run_amem("qa-tune configs/qa_tune/tiny_squad.yaml ~data.train_path run.output_dir=" + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("data.train_path: missing"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::is_empty(out));
}
