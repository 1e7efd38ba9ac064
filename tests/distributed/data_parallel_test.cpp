// Data-parallel training end to end on the CPU (Gloo), through the built program: two ranks
// against one process (training and validation), a resume at another world size, a rank killed
// mid-run, and amem launch itself.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "amem/io/safetensors.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"
#include "support/two_ranks.h"

namespace {

namespace fs = std::filesystem;
using amem::testing::free_port;
using amem::testing::run_amem;

// Tiny MAC, 4 steps of micro-batches of 2, every step logged.
const std::string kTinyMac =
    "train configs/mac/tiny_gpt2.yaml train.steps=4 train.batch_size=2 train.log_every=1 train.save_every=2 "
    "train.val_documents=2";
// The base LM's dropout off: dropout draws from each process's generator, which one process and
// two ranks advance differently, so only then can their losses agree.
const std::string kNoDropout = " mac.gpt_drop=false";

std::vector<nlohmann::json> training_lines(const fs::path& run) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(amem::testing::read_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line);
    if (parsed.contains("loss")) lines.push_back(parsed);
  }
  return lines;
}

// The lines of metrics.jsonl with validation metrics, without their wall-clock time.
std::vector<nlohmann::json> validation_lines(const fs::path& run) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(amem::testing::read_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line);
    parsed.erase("time");
    if (parsed.contains("val_f1")) lines.push_back(parsed);
  }
  return lines;
}

TEST(DataParallel, TwoRanksTrainAndValidateAsOneProcessWithTheSameGlobalBatch) {
  SKIP_WITHOUT_GLOO();
  const auto one = amem::testing::fresh_dir("data_parallel_one");
  const auto two = amem::testing::fresh_dir("data_parallel_two");
  // One process: micro-batches 2s and 2s+1 make step s. Two ranks: rank r takes 2s+r, each its
  // own memory bank, as each micro-batch is in one process.
  // train.metrics_every=3: the metric forwards run at steps 3 and 4 (the last) in both layouts;
  // they count steps, not the micro-batches every rank draws.
  // Validation at steps 2 and 4 on the 5 documents (5 questions) of test.csv: 3 batches of
  // answers (eval.batch_size 2) and 3 of losses (train.batch_size 2), an odd number that two
  // ranks split 2 + 1, the last batch a partial one.
  const std::string options = " train.metrics_every=3 train.eval_every=2 data.val_path=data/streamingqa-sample/test.csv "
                              "train.val_documents=5 eval.batch_size=2";
  const auto r1 = run_amem(kTinyMac + kNoDropout + options + " train.grad_accum=2 run.output_dir=" + one.string());
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r2 = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) + "' " + kTinyMac + kNoDropout +
                           options + " train.grad_accum=1 run.output_dir=" + two.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const fs::path run_one = amem::testing::only_run(one), run_two = amem::testing::only_run(two);  // rank 0 alone writes
  const auto a = training_lines(run_one);
  const auto b = training_lines(run_two);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) {
    // Equal to the bit, no tolerance: one process accumulates g1/2 + g2/2 where two ranks
    // all-reduce g1 + g2 and halve it, and with two terms these are the same float32 numbers
    // (halving is exact in binary floating point, and a sum of two is commutative). With another
    // number of ranks the 1/N rounds, and losses would agree to ~1e-6 relative, not to the bit.
    EXPECT_EQ(b[i]["loss"].get<double>(), a[i]["loss"].get<double>()) << "step " << i + 1;
    EXPECT_EQ(b[i]["grad_norm"].get<double>(), a[i]["grad_norm"].get<double>()) << "step " << i + 1;
    const bool metrics_step = i + 1 == 3 || i + 1 == 4;
    EXPECT_EQ(a[i].contains("text_loss"), metrics_step) << "one process, step " << i + 1;
    EXPECT_EQ(b[i].contains("text_loss"), metrics_step) << "two ranks, step " << i + 1;
  }
  // Validation: every metric equal to the bit, EM/F1 and losses alike. Each batch holds the rows
  // it holds in one process, and the gathered results are summed in the one-process order.
  const auto va = validation_lines(run_one);
  const auto vb = validation_lines(run_two);
  ASSERT_EQ(va.size(), 2u);
  ASSERT_EQ(vb.size(), 2u);
  for (size_t i = 0; i < va.size(); ++i) {
    EXPECT_EQ(vb[i], va[i]);
    EXPECT_EQ(va[i]["val_questions"].get<double>(), 5.0);
    EXPECT_TRUE(va[i].contains("val_qa_loss")) << va[i];
  }
  // Rank 0 wrote the predictions of all 5 questions, in the one-process order.
  for (const char* step : {"step-000002", "step-000004"})
    for (const char* kind : {"plain", "window2", "window4"}) {
      const fs::path path = fs::path("validation") / step / kind / "predictions.jsonl";
      const std::string predictions = amem::testing::read_file(run_one / path);
      EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'), 5) << path;
      EXPECT_EQ(amem::testing::read_file(run_two / path), predictions) << path;
    }
  // The checkpoint records the two ranks; one process may not resume it.
  const auto resume = run_amem(kTinyMac + kNoDropout + " train.steps=6 train.resume=" +
                               (run_two / "checkpoint").string() + " run.output_dir=" + two.string() + "-resumed");
  EXPECT_EQ(resume.exit_code, 2) << resume.output;
  EXPECT_NE(resume.output.find("was trained by 2 process(es), this run has 1"), std::string::npos) << resume.output;
}

TEST(DataParallel, QaTuneValidationOfTwoRanksIsOneProcessWithSomeRightAnswers) {
  SKIP_WITHOUT_GLOO();
  // The tiny MAC answers nothing right, so its F1 is 0 either way; the tiny QA-tuned LM gets
  // some words right: 55 questions in 11 batches of 5, 6 on rank 0 and 5 on rank 1.
  const auto one = amem::testing::fresh_dir("data_parallel_qa_one");
  const auto two = amem::testing::fresh_dir("data_parallel_qa_two");
  const std::string qa_tune = "qa-tune configs/qa_tune/tiny_squad.yaml train.steps=2 train.eval_every=0 eval.batch_size=5";
  const auto r1 = run_amem(qa_tune + " train.grad_accum=2 run.output_dir=" + one.string());
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r2 = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) + "' " + qa_tune +
                           " train.grad_accum=1 run.output_dir=" + two.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const auto va = validation_lines(amem::testing::only_run(one));
  const auto vb = validation_lines(amem::testing::only_run(two));
  ASSERT_EQ(va.size(), 1u);
  ASSERT_EQ(vb.size(), 1u);
  EXPECT_EQ(va[0]["val_questions"].get<double>(), 55.0);
  EXPECT_GT(va[0]["val_f1"].get<double>(), 0.0) << va[0];
  EXPECT_EQ(vb[0], va[0]);
  const fs::path predictions = fs::path("validation") / "step-000002" / "predictions.jsonl";
  EXPECT_EQ(amem::testing::read_file(amem::testing::only_run(two) / predictions),
            amem::testing::read_file(amem::testing::only_run(one) / predictions));
}

TEST(DataParallel, MacEvalOfTwoRanksWritesOneProcessResults) {
  SKIP_WITHOUT_GLOO();
  // Every rank builds the whole bank and answers its share of the batches of 2 questions, also at
  // each retention point and for each distractor fraction (a fresh bank each).
  const std::string eval = "eval configs/eval/streamingqa_mac.yaml eval.batch_size=2 eval.retention.every=1 "
                           "eval.retention.first_documents=2 eval.distractors.fractions=[0,0.5] "
                           "eval.distractors.path=data/streamingqa-sample/train.csv";
  const auto one = amem::testing::fresh_dir("data_parallel_eval_one");
  const auto two = amem::testing::fresh_dir("data_parallel_eval_two");
  const auto r1 = run_amem(eval + " run.output_dir=" + one.string());
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r2 = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) + "' " + eval +
                           " run.output_dir=" + two.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const fs::path run_one = amem::testing::only_run(one), run_two = amem::testing::only_run(two);  // rank 0 alone writes
  EXPECT_EQ(amem::testing::read_file(run_two / "predictions.jsonl"), amem::testing::read_file(run_one / "predictions.jsonl"));
  auto a = nlohmann::json::parse(amem::testing::read_file(run_one / "results.json"));
  auto b = nlohmann::json::parse(amem::testing::read_file(run_two / "results.json"));
  EXPECT_GT(a["questions"].get<int>(), 2);
  for (const char* key : {"exact_match", "f1", "reference_exact_match", "reference_f1", "questions", "documents",
                          "memory_bank", "retention", "distractors"})
    EXPECT_EQ(b[key], a[key]) << key;
  EXPECT_EQ(a["retention"]["points"].size(), 3u) << a["retention"];
  // A fine-tuning adapter is refused, once, before any rank loads a model.
  const auto uniform = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) +
                                "' eval configs/eval/streamingqa_uniform.yaml run.output_dir=" + two.string() + "-uniform");
  EXPECT_EQ(uniform.exit_code, 2) << uniform.output;
  EXPECT_NE(amem::testing::error_line(uniform).find("eval.adapter: 'uniform' fine-tunes in stream order and does not "
                                                    "run data-parallel"), std::string::npos);
}

TEST(DataParallel, AResumeContinuesAsTheUninterruptedRunAtTheSameWorldSize) {
  SKIP_WITHOUT_GLOO();
  // Base-LM dropout on (the config's) and distributed.rank_seeds=offset: each rank draws its own
  // masks, so the checkpoint must hold every rank's generators for the resumed steps to repeat
  // the uninterrupted ones bit for bit (CPU).
  const std::string launch = "launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) + "' " + kTinyMac +
                             " distributed.rank_seeds=offset ";
  const auto whole = amem::testing::fresh_dir("data_parallel_whole");
  const auto stopped = amem::testing::fresh_dir("data_parallel_stopped");
  const auto resumed = amem::testing::fresh_dir("data_parallel_resumed");
  const auto r1 = run_amem(launch + "run.output_dir=" + whole.string());
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r2 = run_amem(launch + "train.steps=2 run.output_dir=" + stopped.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  // The stopped run is the whole run's first two steps (the lr is constant: 0 warm-up steps of
  // 4), so its checkpoint is the one the whole run wrote at step 2 but for train.steps in its
  // config, which a resume must match: relabelled as a 4-step run's.
  const fs::path checkpoint = amem::testing::only_run(stopped) / "checkpoint";
  std::string config = amem::testing::read_file(checkpoint / "config.yaml");
  const size_t steps = config.find("\n  steps: 2\n");
  ASSERT_NE(steps, std::string::npos) << config;
  config.replace(steps, 12, "\n  steps: 4\n");
  amem::testing::write_file(checkpoint / "config.yaml", config);
  const auto r3 = run_amem(launch + "train.resume=" + checkpoint.string() + " run.output_dir=" + resumed.string());
  ASSERT_EQ(r3.exit_code, 0) << r3.output;
  const auto a = training_lines(amem::testing::only_run(whole));
  const auto b = training_lines(amem::testing::only_run(resumed));
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i]["loss"].get<double>(), a[i]["loss"].get<double>()) << "step " << i + 1;
    EXPECT_EQ(b[i]["grad_norm"].get<double>(), a[i]["grad_norm"].get<double>()) << "step " << i + 1;
  }
}

// `amem <arguments>` as rank `rank` of 2 under torchrun's variables, output into `log`.
pid_t start_rank(int rank, int port, const std::string& arguments, const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("RANK", std::to_string(rank).c_str(), 1);
    setenv("WORLD_SIZE", "2", 1);
    setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
    setenv("MASTER_ADDR", "127.0.0.1", 1);
    setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    const std::string command = std::string("cd '") + AMEM_SOURCE_DIR + "' && exec '" + AMEM_BINARY + "' " +
                                arguments + " > '" + log.string() + "' 2>&1";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// distributed.rank_seeds: `same` (the reference's) leaves every rank on run.seed's stream, so
// ranks that draw alike end in one generator state, with the same dropout masks; `offset`
// reseeds rank r with run.seed + r after the start-of-run parameter check, so the masks, and
// with them the mean loss, change.
TEST(DataParallel, RankSeedsOffsetGivesEachRankItsOwnRandomStream) {
  SKIP_WITHOUT_GLOO();
  struct Run {
    torch::Tensor rank0, rank1;
    double first_loss;
  };
  // GPT-2 pre-training: every sequence has the same length, so both ranks draw the same count of
  // random numbers and only the seed can make their generators differ.
  const auto train = [](const std::string& rank_seeds) {
    const auto out = amem::testing::fresh_dir("data_parallel_rank_seeds_" + rank_seeds);
    const auto r = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) +
                            "' pretrain configs/pretrain/tiny_gpt2.yaml train.steps=1 train.eval_every=0 "
                            "distributed.rank_seeds=" + rank_seeds + " run.output_dir=" + out.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const fs::path run = amem::testing::only_run(out);
    const auto rng = amem::io::SafetensorsFile::open((run / "checkpoint" / "rng.safetensors").string());
    return Run{rng->load("cpu"), rng->load("rank1/cpu"), training_lines(run).at(0).at("loss").get<double>()};
  };
  const Run same = train("same"), offset = train("offset");
  EXPECT_TRUE(torch::equal(same.rank0, same.rank1));
  EXPECT_FALSE(torch::equal(offset.rank0, offset.rank1));
  EXPECT_NE(offset.first_loss, same.first_loss) << "the ranks' dropout masks are their own";
}

TEST(DataParallel, AKilledRankStopsTheOtherWithAnError) {
  SKIP_WITHOUT_GLOO();
  const auto out = amem::testing::fresh_dir("data_parallel_kill");
  const int port = free_port();
  const std::string arguments = kTinyMac + " train.steps=100000 train.save_every=0 distributed.timeout_s=60 " +
                                "run.output_dir=" + (out / "runs").string();
  const pid_t rank0 = start_rank(0, port, arguments, out / "rank0.log");
  const pid_t rank1 = start_rank(1, port, arguments, out / "rank1.log");
  // Kill rank 1 once training has started (rank 0 has logged a step).
  const auto started = std::chrono::steady_clock::now();
  bool training = false;
  while (!training && std::chrono::steady_clock::now() - started < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fs::exists(out / "runs"))
      for (const auto& run : fs::directory_iterator(out / "runs"))
        training = training || (fs::exists(run.path() / "metrics.jsonl") && fs::file_size(run.path() / "metrics.jsonl") > 0);
  }
  kill(rank1, SIGKILL);
  waitpid(rank1, nullptr, 0);
  ASSERT_TRUE(training) << amem::testing::read_file(out / "rank0.log");
  // Rank 0 must stop by itself, well within distributed.timeout_s.
  int status = 0;
  const auto killed = std::chrono::steady_clock::now();
  while (waitpid(rank0, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - killed > std::chrono::seconds(90)) {
      kill(rank0, SIGKILL);
      waitpid(rank0, &status, 0);
      FAIL() << "rank 0 did not stop after rank 1 was killed";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string log = amem::testing::read_file(out / "rank0.log");
  EXPECT_NE(log.find("amem: error: distributed: rank 0 of 2: "), std::string::npos) << log;
  EXPECT_NE(log.find("another rank died or did not answer within distributed.timeout_s=60"), std::string::npos) << log;
}

// A rendezvous port something already listens on is refused before any rank starts, whether it
// comes from --master-port or $MASTER_PORT (which must be a port number), instead of every rank
// waiting out distributed.timeout_s.
TEST(AmemLaunch, ARendezvousPortInUseIsAUsageErrorNamingIt) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  const std::string advice =
      ": the port is in use on 127.0.0.1 (another run's rendezvous?); give a free one with --master-port, or leave "
      "both --master-port and $MASTER_PORT out for a free port";
  const auto flag = run_amem("launch --nproc-per-node 2 --master-port " + port + " -- sh -c 'echo rank-started'");
  EXPECT_EQ(flag.exit_code, 2) << flag.output;
  EXPECT_EQ(amem::testing::error_line(flag), "amem: error: amem launch --master-port " + port + advice);
  EXPECT_EQ(flag.output.find("rank-started"), std::string::npos) << "no rank started";
  setenv("MASTER_PORT", port.c_str(), 1);
  const auto environment = run_amem("launch --nproc-per-node 2 -- sh -c 'echo rank-started'");
  setenv("MASTER_PORT", "29x", 1);
  const auto garbled = run_amem("launch --nproc-per-node 2 -- sh -c 'echo rank-started'");
  setenv("MASTER_PORT", "+5", 1);  // digits only: std::stoi alone would take the sign
  const auto signed_port = run_amem("launch --nproc-per-node 2 -- sh -c 'echo rank-started'");
  unsetenv("MASTER_PORT");
  close(listener);
  EXPECT_EQ(environment.exit_code, 2) << environment.output;
  EXPECT_EQ(amem::testing::error_line(environment), "amem: error: amem launch MASTER_PORT " + port + advice);
  EXPECT_EQ(garbled.exit_code, 2) << garbled.output;
  EXPECT_EQ(amem::testing::error_line(garbled), "amem: error: amem launch MASTER_PORT 29x: expected an integer in 1..65535");
  EXPECT_EQ(amem::testing::error_line(signed_port), "amem: error: amem launch MASTER_PORT +5: expected an integer in 1..65535");
}

TEST(AmemLaunch, SetsTorchrunsVariablesInEveryRank) {
  const auto r = run_amem(
      "launch --nproc-per-node 2 -- sh -c 'echo \"rank $RANK/$WORLD_SIZE local $LOCAL_RANK/$LOCAL_WORLD_SIZE "
      "$MASTER_ADDR nvls $NCCL_NVLS_ENABLE\"'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rank 0/2 local 0/2 127.0.0.1 nvls 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rank 1/2 local 1/2 127.0.0.1 nvls 0"), std::string::npos) << r.output;
}

TEST(AmemLaunch, AFailedRankStopsTheOthersAndIsNamed) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_amem("launch --nproc-per-node 3 -- sh -c 'if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 60'");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("amem launch: rank 1 (pid "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(") exited with status 3; stopped the other ranks"), std::string::npos) << r.output;
  // One rank: there are no others to stop, and the line does not say so.
  const auto alone = run_amem("launch --nproc-per-node 1 -- sh -c 'exit 3'");
  EXPECT_EQ(alone.exit_code, 3) << alone.output;
  EXPECT_NE(alone.output.find("amem launch: rank 0 (pid "), std::string::npos) << alone.output;
  EXPECT_NE(alone.output.find(") exited with status 3\n"), std::string::npos) << alone.output;
  EXPECT_EQ(alone.output.find("stopped the other ranks"), std::string::npos) << alone.output;
}

TEST(AmemLaunch, ARankKilledByASignalIsNamedAndGivesTheShellsStatus) {
  const auto r = run_amem("launch --nproc-per-node 2 -- sh -c 'if [ \"$RANK\" = 1 ]; then kill -9 $$; fi; exec sleep 60'");
  EXPECT_EQ(r.exit_code, 128 + 9) << r.output;
  EXPECT_NE(r.output.find("amem launch: rank 1 (pid "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(") was killed by signal 9 (Killed); stopped the other ranks"), std::string::npos) << r.output;
}

TEST(AmemLaunch, RefusesAmemCommandsThatAreNotDataParallel) {
  const auto out = amem::testing::fresh_dir("launch_sweep_refused");
  const auto r = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) +
                          "' sweep configs/eval/streamingqa_none.yaml --grid eval.batch_size=1,2 --out " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(amem::testing::error_line(r),
            "amem: error: amem sweep does not run data-parallel, but amem launch would start it 2 times; run it as one "
            "process (the data-parallel commands: eval, train, qa-tune, pretrain)");
  EXPECT_TRUE(fs::is_empty(out)) << "nothing ran";
  // The same under torchrun's variables, which amem launch's refusal does not see.
  const auto config = run_amem("launch --nproc-per-node 2 -- sh -c '\"$0\" config configs/mac/tiny_gpt2.yaml' '" +
                               std::string(AMEM_BINARY) + "'");
  EXPECT_EQ(config.exit_code, 2) << config.output;
  EXPECT_EQ(amem::testing::error_line(config),
            "amem: error: amem config does not run data-parallel, but it was started as one of WORLD_SIZE=2 processes; "
            "run it as one process (the data-parallel commands: eval, train, qa-tune, pretrain)");
}

TEST(AmemLaunch, PrintsAnErrorEveryRankHasOnce) {
  const auto r = run_amem("launch --nproc-per-node 2 -- '" + std::string(AMEM_BINARY) +
                          "' train configs/mac/tiny_gpt2.yaml train.stepz=3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(amem::testing::error_line(r).find("train.stepz"), std::string::npos) << r.output;  // one line, last
  EXPECT_NE(r.output.find(") exited with status 2; stopped the other ranks"), std::string::npos) << r.output;
}

// A rank that runs amem inside a script which goes on and ends well: the launch succeeds, and
// every amem error of every rank is still printed, each distinct line once.
TEST(AmemLaunch, ErrorsOfAScriptThatEndsWellAreStillPrinted) {
  const std::string amem = "'" + std::string(AMEM_BINARY) + "'";
  const auto r = run_amem("launch --nproc-per-node 2 -- sh -c '\"$0\" eval configs/eval/squad_none.yaml bogus=1; "
                          "\"$0\" eval configs/eval/squad_none.yaml eval.batch_size=0; echo script-continues' " + amem);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = r.output.find(text); at != std::string::npos; at = r.output.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("amem: error: override 'bogus=1'"), 1u) << r.output;
  EXPECT_EQ(count("amem: error: override 'eval.batch_size=0'"), 1u) << r.output;
  EXPECT_EQ(count("script-continues"), 2u) << r.output;
}

TEST(AmemLaunch, RanksWithDifferentConfigsStopAtOnceNamingTheKey) {
  SKIP_WITHOUT_GLOO();
  // Rank r is given train.steps=3+r, as a per-rank environment or an edited file could.
  const auto out = amem::testing::fresh_dir("launch_different_configs");
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_amem("launch --nproc-per-node 2 -- sh -c 'exec \"$0\" " + kTinyMac +
                          " train.steps=$((3 + RANK)) run.output_dir=" + out.string() + "' '" + AMEM_BINARY + "'");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(amem::testing::error_line(r),
            "amem: error: distributed: the ranks resolved different configs (rank 1 has train.steps: 4 where rank 0 has "
            "3); every rank must be given the same config file and overrides");
  EXPECT_TRUE(fs::is_empty(out)) << "no run folder";
}

TEST(AmemLaunch, UsageMistakesAreExit2) {
  EXPECT_EQ(run_amem("launch -- true").exit_code, 2);
  EXPECT_EQ(run_amem("launch --nproc-per-node 0 -- true").exit_code, 2);
  EXPECT_EQ(run_amem("launch --nproc-per-node 2").exit_code, 2);
  EXPECT_EQ(run_amem("launch --nproc-per-node 2 --bogus -- true").exit_code, 2);
  // A program that cannot run is named once, before any rank starts.
  const auto missing = run_amem("launch --nproc-per-node 2 -- no-such-program-of-amem --flag");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_EQ(amem::testing::error_line(missing),
            "amem: error: amem launch: cannot run 'no-such-program-of-amem': not an executable file on PATH (give its path)");
  const auto folder = run_amem("launch --nproc-per-node 2 -- /tmp");
  EXPECT_EQ(folder.exit_code, 2) << folder.output;
  EXPECT_EQ(amem::testing::error_line(folder), "amem: error: amem launch: cannot run '/tmp': not an executable file");
}

}  // namespace
