#include "amem/run/run_dir.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "amem/core/error.h"
#include "amem/core/error_line.h"
#include "amem/io/atomic_file.h"
#include "amem/run/run_settings.h"

namespace amem::run {

namespace fs = std::filesystem;

namespace {

std::string timestamp(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", &local);
  return buffer;
}

// create_directory fails on an existing folder, so the first name it creates is ours alone,
// even against another process starting the same second.
fs::path create_unique_folder(const fs::path& parent, const std::string& stem) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create folder: " + ec.message());
  for (int attempt = 1;; ++attempt) {
    const fs::path candidate =
        parent / (attempt == 1 ? stem : stem + "-" + std::to_string(attempt));
    if (fs::create_directory(candidate, ec)) return candidate;
    if (ec) throw Error(candidate.string() + ": cannot create folder: " + ec.message());
  }
}

}  // namespace

RunDir::RunDir(const config::Config& config, std::chrono::system_clock::time_point start) {
  const RunSettings settings = RunSettings::from(config);
  if (settings.name.empty() || settings.name.find('/') != std::string::npos ||
      settings.name == "." || settings.name == "..")
    throw ConfigError(config.source_of("run.name") + ": run.name: expected a plain folder name, got '" +
                      settings.name + "'");
  path_ = create_unique_folder(settings.output_dir, settings.name + "-" + timestamp(start));
  io::write_file_atomic((path_ / "config.yaml").string(), config.to_yaml());

  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>((path_ / "log.txt").string());
  log_file_ = file;
  // Named after the folder: spdlog's registry keeps loggers by name, and this one must be
  // dropped (closing log.txt) when the run ends without touching another run's.
  auto logger = std::make_shared<spdlog::logger>("run:" + path_.string(),
                                                 spdlog::sinks_init_list{console, file});
  logger->set_level(spdlog::level::from_str(settings.log_level));
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  logger->flush_on(spdlog::level::info);
  previous_logger_ = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  metrics_ = std::make_unique<MetricsLog>((path_ / "metrics.jsonl").string());
  spdlog::info("run folder: {}", path_.string());
}

void RunDir::mark_failed(const std::exception& error) {
  const std::string line = error_line(error);
  log_file_->log(spdlog::details::log_msg("run:" + path_.string(), spdlog::level::err, line));
  log_file_->flush();
  io::write_file_atomic((path_ / "FAILED").string(), line + "\n");
}

RunDir::~RunDir() {
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous_logger_);
  spdlog::drop("run:" + path_.string());
}

}  // namespace amem::run
