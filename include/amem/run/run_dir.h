// The folder of one run: <run.output_dir>/<run.name>-<YYYYmmdd-HHMMSS>/ holding
//   config.yaml    the resolved config (Config::to_yaml), written before anything else
//   log.txt        everything logged through spdlog while the RunDir lives
//   metrics.jsonl  what metrics().log() records (metrics_log.h)
// Two runs started in the same second get distinct folders: the second gets a "-2" suffix.
//
// While a RunDir lives, spdlog's default logger writes to the console (stderr) and log.txt
// at run.log_level; destroying it restores the previous default logger (so RunDirs that
// overlap, as in tests, must end in the reverse order of their start).
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "amem/config/config.h"
#include "amem/run/metrics_log.h"

namespace amem::run {

class RunDir {
 public:
  explicit RunDir(const config::Config& config,
                  std::chrono::system_clock::time_point start = std::chrono::system_clock::now());
  ~RunDir();
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  MetricsLog& metrics() { return *metrics_; }

 private:
  std::filesystem::path path_;
  std::unique_ptr<MetricsLog> metrics_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

}  // namespace amem::run
