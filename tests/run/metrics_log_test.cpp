#include "amem/run/metrics_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(MetricsLog, OneJsonObjectPerStepFlushedAsWritten) {
  const auto dir = amem::testing::fresh_dir("MetricsLog_OneJsonObjectPerStepFlushedAsWritten");
  const std::string path = (dir / "metrics.jsonl").string();
  double now = 1000.0;
  amem::run::MetricsLog log(path, [&] { return now; });
  log.log(1, {{"loss", 2.5}, {"lr", 1e-4}});
  now = 1001.5;
  log.log(2, {{"loss", 2.25}});

  // Read while the log is still open: every line is already on disk.
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["step"], 1);
  EXPECT_EQ(lines[0]["time"], 1000.0);
  EXPECT_EQ(lines[0]["loss"], 2.5);
  EXPECT_EQ(lines[0]["lr"], 1e-4);
  EXPECT_EQ(lines[1]["step"], 2);
  EXPECT_EQ(lines[1]["time"], 1001.5);
  EXPECT_EQ(lines[1]["loss"], 2.25);
  EXPECT_FALSE(lines[1].contains("lr"));

  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, R"({"step":1,"time":1000.0,"loss":2.5,"lr":0.0001})");  // names in order
}

TEST(MetricsLog, AppendsToAnExistingFileAndRejectsReservedNames) {
  const auto dir =
      amem::testing::fresh_dir("MetricsLog_AppendsToAnExistingFileAndRejectsReservedNames");
  const std::string path = (dir / "metrics.jsonl").string();
  amem::run::MetricsLog(path, [] { return 0.0; }).log(1, {{"a", 1}});
  amem::run::MetricsLog log(path, [] { return 0.0; });
  log.log(2, {{"a", 2}});
  EXPECT_EQ(read_lines(path).size(), 2u);
  EXPECT_THROW(log.log(3, {{"step", 1}}), std::invalid_argument);
  EXPECT_THROW(log.log(3, {{"a", 1}, {"a", 2}}), std::invalid_argument);
}

}  // namespace
