// The `run` section of a config: what a run is called and where it records itself.
#pragma once

#include <cstdint>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::run {

struct RunSettings {
  std::string name;        // the run folder is <output_dir>/<name>-<YYYYmmdd-HHMMSS>
  int64_t seed = 0;        // every random generator of the run starts from it
  std::string output_dir;  // where run folders are created
  std::string log_level;   // trace, debug, info, warn or error

  static void declare(config::Schema& schema);
  static RunSettings from(const config::Config& config);
};

}  // namespace amem::run
