// The check that every rank of a data-parallel run resolved the same config: ranks that differ
// (another train.steps passed to one of them, a config file edited between two machines' starts)
// would otherwise take different numbers of steps or collectives and wait on each other until
// distributed.timeout_s.
#pragma once

#include <string>

#include "amem/distributed/process_group.h"

namespace amem::distributed {

// A collective, right after the rendezvous: every rank's `config_yaml` (config::Config::to_yaml(),
// the resolved config; amem has no per-rank key, LOCAL_RANK picks the device) is compared by
// a hash, and when any differ their texts are gathered to name the keys. amem::ConfigError on
// every rank, naming up to three keys that differ from rank 0's ("rank 1 has train.steps: 5
// where rank 0 has 4").
void check_same_config(ProcessGroup& group, const std::string& config_yaml);

}  // namespace amem::distributed
