// End to end, issue 12 item 10: `amem train` (MAC, CaMeLS), `amem qa-tune` and `amem pretrain` are killed with
// SIGKILL at a seeded random step, resumed from the killed run's checkpoint/, and the resumed
// run's metrics.jsonl (every logged value but the wall-clock ones), last/ and best/ must equal
// those of the same run never stopped, bit for bit (CPU).
//
// The kill may land anywhere: mid-step, mid-line of metrics.jsonl, mid-checkpoint (between the
// renames of the atomic swap, checkpoint/ is briefly "checkpoint.old"). Resuming reads only the
// checkpoint, which holds its own copy of the log up to its step.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/run_amem.h"
#include "support/same_run.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::only_run;

namespace {

// Starts `amem <arguments>` in the source folder with its output into `log`; fork/exec rather
// than popen, so that the test holds the child's own pid to kill.
pid_t start_amem(const std::vector<std::string>& arguments, const fs::path& log) {
  std::vector<std::string> words = {AMEM_BINARY};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || chdir(AMEM_SOURCE_DIR) != 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int exit_code_of(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The highest step of the whole lines of `metrics` (0 when none).
int64_t last_logged_step(const fs::path& metrics) {
  std::istringstream lines(amem::testing::read_file(metrics));
  int64_t step = 0;
  for (std::string line; std::getline(lines, line);) {
    if (lines.eof()) break;  // no newline yet: a line being written
    step = std::max(step, nlohmann::json::parse(line)["step"].get<int64_t>());
  }
  return step;
}

// Runs `arguments` into `output_dir` and kills it with SIGKILL once it has logged step
// `kill_step` and written a checkpoint. Returns the killed run's folder.
fs::path run_and_kill(const std::vector<std::string>& arguments, const fs::path& output_dir, int64_t kill_step) {
  auto with_output = arguments;
  with_output.push_back("run.output_dir=" + output_dir.string());
  const pid_t pid = start_amem(with_output, output_dir.string() + ".log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ADD_FAILURE() << "the run ended before the kill at step " << kill_step << ":\n"
                    << amem::testing::read_file(output_dir.string() + ".log");
      return {};
    }
    if (fs::is_directory(output_dir) && !fs::is_empty(output_dir)) {
      const fs::path run = fs::directory_iterator(output_dir)->path();
      const bool checkpointed = fs::exists(run / "checkpoint") || fs::exists(run / "checkpoint.old");
      if (checkpointed && fs::exists(run / "metrics.jsonl") && last_logged_step(run / "metrics.jsonl") >= kill_step) {
        kill(pid, SIGKILL);
        int killed = 0;
        waitpid(pid, &killed, 0);
        EXPECT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL);
        return run;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ADD_FAILURE() << "step " << kill_step << " was not reached in time";
  return {};
}

// The uninterrupted run, the killed one and the resumed one; compares the first and the last.
void kill_and_resume(const std::string& name, const std::vector<std::string>& arguments, int64_t steps,
                     uint32_t seed) {
  std::mt19937 random(seed);
  const int64_t kill_step = std::uniform_int_distribution<int64_t>(1, steps - 2)(random);
  const auto root = amem::testing::fresh_dir("kill_resume_" + name);

  auto straight_args = arguments;
  straight_args.push_back("run.output_dir=" + (root / "straight").string());
  ASSERT_EQ(exit_code_of(start_amem(straight_args, root / "straight.log")), 0)
      << amem::testing::read_file(root / "straight.log");
  const auto straight = only_run(root / "straight");

  const auto killed = run_and_kill(arguments, root / "killed", kill_step);
  ASSERT_FALSE(killed.empty());
  const fs::path checkpoint = fs::exists(killed / "checkpoint") ? killed / "checkpoint" : killed / "checkpoint.old";
  const auto resumed_from = nlohmann::json::parse(amem::testing::read_file(checkpoint / "state.json"))["step"];
  // "++" adds train.resume or sets it, whether or not the schema declares it with a default.
  auto resume_args = arguments;
  resume_args.push_back("train.resume=" + (killed / "checkpoint").string());
  resume_args.push_back("run.output_dir=" + (root / "resumed").string());
  ASSERT_EQ(exit_code_of(start_amem(resume_args, root / "resumed.log")), 0)
      << amem::testing::read_file(root / "resumed.log");
  const auto resumed = only_run(root / "resumed");

  SCOPED_TRACE("killed after step " + std::to_string(kill_step) + ", resumed from step " + resumed_from.dump());
  const auto expected = amem::testing::logged_values(straight);
  EXPECT_EQ(amem::testing::logged_values(resumed), expected);
  for (const char* folder : {"best", "last"})
    EXPECT_EQ(amem::testing::folder_differences(straight / folder, resumed / folder), std::vector<std::string>{})
        << folder;
}

}  // namespace

TEST(KillAndResume, MacTrainingResumesBitForBit) {
  kill_and_resume("mac",
                  {"train", "configs/mac/tiny_gpt2.yaml", "train.steps=8", "train.log_every=1", "train.save_every=2",
                   "train.eval_every=4", "train.val_documents=2"},
                  8, 1);
}

TEST(KillAndResume, CamelsTrainingResumesBitForBit) {
  // A checkpoint every step: half of them fall between base resets (reset_base_freq 4, batches of 2).
  kill_and_resume("camels",
                  {"train", "configs/camels/tiny_streamingqa.yaml", "train.steps=6", "train.save_every=1",
                   "train.eval_every=3"},
                  6, 2);
}

TEST(KillAndResume, QaTuningResumesBitForBit) {
  kill_and_resume("qa_tune",
                  {"qa-tune", "configs/qa_tune/tiny_squad.yaml", "train.steps=8", "train.log_every=1",
                   "train.save_every=2", "train.eval_every=4", "train.val_documents=1"},
                  8, 3);
}

TEST(KillAndResume, PretrainingResumesBitForBit) {
  kill_and_resume("pretrain",
                  {"pretrain", "configs/pretrain/tiny_gpt2.yaml", "train.steps=12", "train.log_every=1",
                   "train.save_every=2", "train.eval_every=4"},
                  12, 4);
}
