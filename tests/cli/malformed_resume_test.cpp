// End to end: `amem qa-tune` / `amem train` resumed from a checkpoint that does not fit (issue 12:
// items 7 and 8's malformed inputs). Each case is one line naming the key or file, the exit code of
// its kind (2: the config points at the wrong thing; 1: a damaged file), and nothing left behind:
// no run folder, and the checkpoint untouched (no staging or ".old" folder beside it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::run_amem;

namespace {

const std::string kQaTune =
    "qa-tune configs/qa_tune/tiny_squad.yaml train.steps=4 train.log_every=1 train.save_every=1 "
    "train.eval_every=1 train.val_documents=1";

// A real checkpoint (step 2, with best/ and the log) made once for every case. It stands for
// kQaTune's 4-step run stopped at step 2, so its config.yaml says the run's total, 4 (a resume
// must use the checkpoint's config, train.steps included).
class MalformedResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto out = amem::testing::fresh_dir("malformed_resume_source");
    const auto r = run_amem(kQaTune + " train.steps=2 run.output_dir=" + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    source_ = new fs::path(amem::testing::only_run(out) / "checkpoint");
    auto config = amem::testing::read_file(*source_ / "config.yaml");
    const std::string steps = "\n  steps: 2\n";
    const auto at = config.find(steps);
    ASSERT_NE(at, std::string::npos) << config;
    ASSERT_EQ(config.find(steps, at + 1), std::string::npos) << config;
    amem::testing::write_file(*source_ / "config.yaml", config.replace(at, steps.size(), "\n  steps: 4\n"));
  }
  static void TearDownTestSuite() { delete source_; }
  static fs::path* source_;
};

fs::path* MalformedResume::source_ = nullptr;

struct Case {
  std::string name;
  std::string command;  // before the resume and output overrides
  std::function<fs::path(const fs::path& checkpoint)> damage;  // returns what train.resume names
  int exit_code;
  std::vector<std::string> message;  // each must be in the output
};

fs::path as_is(const fs::path& checkpoint) { return checkpoint; }

std::vector<Case> cases() {
  return {
      {"a run folder, not its checkpoint", kQaTune, [](const fs::path& c) { return c.parent_path(); }, 2,
       {"train.resume: ", "holds no state.json (is it the right folder?)"}},
      {"no such folder", kQaTune, [](const fs::path& c) { return c.parent_path() / "checkpoint-1"; }, 2,
       {"train.resume: ", "checkpoint-1': no such folder"}},
      {"train.steps at the checkpoint's step", kQaTune + " train.steps=2", as_is, 2,
       {"train.steps: 2 is not past the step of the checkpoint", "(2)"}},
      {"train.steps below the checkpoint's step", kQaTune + " train.steps=1", as_is, 2,
       {"train.steps: 1 is not past the step of the checkpoint", "(2)"}},
      {"another model shape", kQaTune + " model.path=tests/data/models/tiny-gpt2", as_is, 2,
       {"train.resume: ", "trainable.safetensors has no tensor", "another method or model shape"}},
      {"another method (a QA-tuned LM's checkpoint for CaMeLS)",
       "train configs/camels/tiny_squad.yaml train.steps=4", as_is, 2,
       {"train.resume: ", "trainable.safetensors has no tensor"}},
      {"a truncated tensor file", kQaTune,
       [](const fs::path& c) {
         fs::resize_file(c / "trainable.safetensors", 100);
         return c;
       },
       1, {"trainable.safetensors"}},
      {"a state.json that is not JSON", kQaTune,
       [](const fs::path& c) {
         amem::testing::write_file(c / "state.json", "{\"step\": 2,");
         return c;
       },
       1, {"state.json: expected {\"step\": int"}},
      {"no generator states", kQaTune,
       [](const fs::path& c) {
         fs::remove(c / "rng.safetensors");
         return c;
       },
       2, {"train.resume: ", "not a training checkpoint (no rng.safetensors)"}},
      {"a data position of other training data", kQaTune,
       [](const fs::path& c) {
         auto state = nlohmann::json::parse(amem::testing::read_file(c / "state.json"));
         state["task"]["offset"] = 9999;
         amem::testing::write_file(c / "state.json", state.dump());
         return c;
       },
       1, {"data position", "other training data"}},
      {"a logged line past the checkpoint's step", kQaTune,
       [](const fs::path& c) {
         std::ofstream(c / "metrics.jsonl", std::ios::app) << "{\"step\":3,\"loss\":1.0}\n";
         return c;
       },
       1, {"metrics.jsonl:", "up to the checkpoint's 2"}},
      {"a best validation without best/", kQaTune,
       [](const fs::path& c) {
         amem::io::remove_tree((c / "best").string());
         return c;
       },
       1, {"records a best validation", "has no best/"}},
      // A checkpoint resumed with another config (run.output_dir and train.resume aside).
      {"another train.lr", kQaTune + " train.lr=0.5", as_is, 2,
       {"override 'train.lr=0.5': train.lr: 0.5, but the checkpoint ", "was trained with 0.001",
        "a resumed run must use the checkpoint's config"}},
      {"another run.seed", kQaTune + " run.seed=99", as_is, 2,
       {"override 'run.seed=99': run.seed: 99, but the checkpoint ", "was trained with 0"}},
      {"another train.steps (the schedule's length)", kQaTune + " train.steps=5", as_is, 2,
       {"override 'train.steps=5': train.steps: 5, but the checkpoint ", "was trained with 4"}},
      {"no config.yaml", kQaTune,
       [](const fs::path& c) {
         fs::remove(c / "config.yaml");
         return c;
       },
       2, {"train.resume: ", "config.yaml: no such file"}},
      {"a config.yaml that is not YAML", kQaTune,
       [](const fs::path& c) {
         amem::testing::write_file(c / "config.yaml", "train: [1,\n");
         return c;
       },
       1, {"config.yaml: not a YAML config"}},
  };
}

}  // namespace

TEST_F(MalformedResume, EachCaseFailsWithOneLineAndLeavesNothingBehind) {
  ASSERT_NE(source_, nullptr);
  int index = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto root = amem::testing::fresh_dir("malformed_resume_" + std::to_string(index++));
    const auto checkpoint = root / "run" / "checkpoint";
    fs::create_directories(checkpoint.parent_path());
    fs::copy(*source_, checkpoint, fs::copy_options::recursive);
    const auto resume = c.damage(checkpoint);
    const auto before = amem::testing::read_file(checkpoint / "state.json");
    const auto out = root / "out";
    fs::create_directories(out);

    const auto r = run_amem(c.command + " train.resume=" + resume.string() + " run.output_dir=" + out.string());
    EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
    for (const auto& part : c.message) EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
    amem::testing::error_line(r);
    EXPECT_TRUE(fs::is_empty(out)) << "a run folder was left behind";
    EXPECT_EQ(std::distance(fs::directory_iterator(checkpoint.parent_path()), fs::directory_iterator()), 1)
        << "something was written beside the checkpoint";
    EXPECT_EQ(amem::testing::read_file(checkpoint / "state.json"), before);
  }
}
