// A resumed run must be the run its checkpoint came from (issue 12: exact resume, no silent
// wrong result). The checkpoint folder holds that run's resolved config.yaml (training_loop.cpp
// saves it beside every checkpoint); resuming compares the new run's resolved config with it,
// key by dotted key, before the new run folder exists.
//
// Only the keys that say where the new run is written, and the checkpoint it starts from, may
// differ: run.output_dir, run.name and train.resume. train.steps may not: the LR schedule
// (warm-up, decay) is computed from it, so another total is another trajectory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "amem/config/config.h"

namespace amem::train {

// One dotted key whose value differs; a value is absent where that config has no such key.
// Values are the YAML text of the resolved configs (scalars canonical, lists in flow style).
struct ConfigDifference {
  std::string key;
  std::optional<std::string> run_value;         // the resumed run's
  std::optional<std::string> checkpoint_value;  // the checkpoint's config.yaml's
};

// The keys that may differ between a resumed run and its checkpoint; "SECTION.*" frees a whole section.
const std::vector<std::string>& resume_free_keys();

// The differences between two resolved configs as YAML text (Config::to_yaml), leaves compared
// by their YAML text, in the order of `run_yaml`'s keys then the checkpoint's extra ones,
// resume_free_keys() left out. YAML that does not parse is amem::Error naming `checkpoint_name`
// (the run's own text always parses).
std::vector<ConfigDifference> resume_config_differences(const std::string& run_yaml,
                                                        const std::string& checkpoint_yaml,
                                                        const std::string& checkpoint_name);

// Refuses a resume whose config is not the checkpoint's: amem::ConfigError (exit 2), one line
// naming the first differing key, both values, where the run's value came from
// (Config::source_of) and how many other keys differ. A checkpoint `folder` (checkpoint_folder's)
// without config.yaml is amem::ConfigError naming the file.
void check_resume_config(const config::Config& config, const std::filesystem::path& folder);

}  // namespace amem::train
