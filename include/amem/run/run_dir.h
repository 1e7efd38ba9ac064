// The folder of one run: <run.output_dir>/<run.name>-<YYYYmmdd-HHMMSS>/ holding
//   config.yaml    the resolved config (Config::to_yaml), written before anything else
//   log.txt        everything logged through spdlog while the RunDir lives
//   metrics.jsonl  what metrics().log() records (metrics_log.h)
//   FAILED         only in a run that failed: its error line (also the last line of log.txt)
// Two runs started in the same second get distinct folders: the second gets a "-2" suffix.
//
// A command creates its RunDir only once every input is read and checked, so that a mistake
// leaves no folder; what fails after that calls mark_failed, so that the folder says it is
// not a result. (A folder without FAILED and without its final outputs was killed.)
//
// While a RunDir lives, spdlog's default logger writes to the console (stderr) and log.txt
// at run.log_level; destroying it restores the previous default logger (so RunDirs that
// overlap, as in tests, must end in the reverse order of their start).
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

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

  // Marks the run failed: the error's first line is appended to log.txt (not to the console,
  // where the caller reports it) and written to FAILED. Call it from the handler of an error
  // that ends the run, then let the error go on.
  void mark_failed(const std::exception& error);

 private:
  std::filesystem::path path_;
  std::unique_ptr<MetricsLog> metrics_;
  std::shared_ptr<spdlog::sinks::sink> log_file_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

}  // namespace amem::run
