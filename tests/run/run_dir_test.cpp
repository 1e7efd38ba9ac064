#include "amem/run/run_dir.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

amem::config::Config config_in(const fs::path& dir, const std::string& name) {
  amem::testing::write_file(
      dir / "x.yaml", "run: {name: " + name + ", output_dir: " + (dir / "runs").string() + "}\n");
  return amem::config::load_config(amem::config::amem_schema(), (dir / "x.yaml").string());
}

TEST(RunDir, WritesConfigLogAndMetrics) {
  const auto dir = amem::testing::fresh_dir("RunDir_WritesConfigLogAndMetrics");
  const auto config = config_in(dir, "demo");
  // 2026-01-02 03:04:05 local time.
  std::tm local{};
  local.tm_year = 126, local.tm_mon = 0, local.tm_mday = 2;
  local.tm_hour = 3, local.tm_min = 4, local.tm_sec = 5, local.tm_isdst = -1;
  const auto start = std::chrono::system_clock::from_time_t(std::mktime(&local));
  fs::path path;
  {
    amem::run::RunDir run(config, start);
    path = run.path();
    EXPECT_EQ(path, dir / "runs" / "demo-20260102-030405");
    spdlog::info("hello from the test");
    spdlog::debug("not kept at level info");
    run.metrics().log(1, {{"loss", 0.5}});
  }
  EXPECT_EQ(amem::testing::read_file(path / "config.yaml"), config.to_yaml());
  const std::string log = amem::testing::read_file(path / "log.txt");
  EXPECT_NE(log.find("[info] run folder: " + path.string()), std::string::npos) << log;
  EXPECT_NE(log.find("[info] hello from the test"), std::string::npos) << log;
  EXPECT_EQ(log.find("not kept"), std::string::npos) << log;
  EXPECT_EQ(amem::testing::read_file(path / "metrics.jsonl").rfind("{\"step\":1,", 0), 0u);

  // Logging after the run ends no longer reaches its log.
  spdlog::info("after the run");
  EXPECT_EQ(amem::testing::read_file(path / "log.txt").find("after the run"), std::string::npos);
}

TEST(RunDir, RunsStartedInTheSameSecondGetTheirOwnFolders) {
  const auto dir = amem::testing::fresh_dir("RunDir_RunsStartedInTheSameSecondGetTheirOwnFolders");
  const auto config = config_in(dir, "same");
  const auto start = std::chrono::system_clock::now();
  amem::run::RunDir first(config, start);
  amem::run::RunDir second(config, start);
  EXPECT_NE(first.path(), second.path());
  EXPECT_EQ(second.path().string(), first.path().string() + "-2");
  EXPECT_TRUE(fs::exists(second.path() / "config.yaml"));
}

// Issue 12, item 11: a run that fails once its folder exists says so in the folder.
TEST(RunDir, AFailedRunGetsAFailedFileAndItsErrorAsTheLastLineOfItsLog) {
  const auto dir = amem::testing::fresh_dir("RunDir_FailedRun");
  const auto config = config_in(dir, "failing");
  fs::path path;
  {
    amem::run::RunDir run(config);
    path = run.path();
    spdlog::info("working");
    EXPECT_FALSE(fs::exists(path / "FAILED"));
    run.mark_failed(amem::Error("data.bin: broken at byte 3\nsecond line of a backtrace"));
  }
  EXPECT_EQ(amem::testing::read_file(path / "FAILED"), "data.bin: broken at byte 3\n");
  const std::string log = amem::testing::read_file(path / "log.txt");
  const std::string last = log.substr(log.rfind('\n', log.size() - 2) + 1);
  EXPECT_NE(last.find("[error] data.bin: broken at byte 3\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("backtrace"), std::string::npos) << log;
}

TEST(RunDir, NameMustBeAPlainFolderName) {
  const auto dir = amem::testing::fresh_dir("RunDir_NameMustBeAPlainFolderName");
  const auto config = config_in(dir, "a/b");
  try {
    amem::run::RunDir run(config);
    FAIL() << "no error";
  } catch (const amem::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              config.source() + ": run.name: expected a plain folder name, got 'a/b'");
  }
}

}  // namespace
