#include "amem/run/run_dir.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

amem::config::Config config_in(const amem::testing::TempDir& dir, const std::string& name) {
  const auto file = dir.write(
      "x.yaml", "run: {name: " + name + ", output_dir: " + (dir.path() / "runs").string() + "}\n");
  return amem::config::load_config(amem::config::amem_schema(), file);
}

TEST(RunDir, WritesConfigLogAndMetrics) {
  amem::testing::TempDir dir;
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
    EXPECT_EQ(path, dir.path() / "runs" / "demo-20260102-030405");
    spdlog::info("hello from the test");
    spdlog::debug("not kept at level info");
    run.metrics().log(1, {{"loss", 0.5}});
  }
  EXPECT_EQ(read_all(path / "config.yaml"), config.to_yaml());
  const std::string log = read_all(path / "log.txt");
  EXPECT_NE(log.find("[info] run folder: " + path.string()), std::string::npos) << log;
  EXPECT_NE(log.find("[info] hello from the test"), std::string::npos) << log;
  EXPECT_EQ(log.find("not kept"), std::string::npos) << log;
  EXPECT_EQ(read_all(path / "metrics.jsonl").rfind("{\"step\":1,", 0), 0u);

  // Logging after the run ends no longer reaches its log.
  spdlog::info("after the run");
  EXPECT_EQ(read_all(path / "log.txt").find("after the run"), std::string::npos);
}

TEST(RunDir, RunsStartedInTheSameSecondGetTheirOwnFolders) {
  amem::testing::TempDir dir;
  const auto config = config_in(dir, "same");
  const auto start = std::chrono::system_clock::now();
  amem::run::RunDir first(config, start);
  amem::run::RunDir second(config, start);
  EXPECT_NE(first.path(), second.path());
  EXPECT_EQ(second.path().string(), first.path().string() + "-2");
  EXPECT_TRUE(fs::exists(second.path() / "config.yaml"));
}

TEST(RunDir, NameMustBeAPlainFolderName) {
  amem::testing::TempDir dir;
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
