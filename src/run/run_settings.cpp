#include "amem/run/run_settings.h"

#include "amem/config/config_path.h"

namespace amem::run {

void RunSettings::declare(config::Schema& schema) {
  schema.section("run", "what a run is called and where it records itself")
      .field<std::string>("name", "run", "run name; the run folder is <output_dir>/<name>-<time>")
      .field<int64_t>("seed", 0, "seed of every random generator in the run")
      .at_least(0)
      .field<std::string>("output_dir", "runs", "folder in which run folders are created")
      .field<std::string>("log_level", "info", "least severe log messages shown and kept")
      .one_of({"trace", "debug", "info", "warn", "error"});
}

RunSettings RunSettings::from(const config::Config& config) {
  RunSettings s;
  s.name = config.get<std::string>("run.name");
  s.seed = config.get<int64_t>("run.seed");
  s.output_dir = config::output_folder(config, "run.output_dir");
  s.log_level = config.get<std::string>("run.log_level");
  return s;
}

}  // namespace amem::run
