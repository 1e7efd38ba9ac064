// The process group a data-parallel command (amem train, qa-tune, pretrain, eval) joins when a
// launcher started several processes (docs/multi_gpu.md).
#pragma once

#include <memory>

#include "amem/config/config.h"
#include "amem/distributed/process_group.h"

namespace amem::cli {

// None without a launcher or with one process: the command runs exactly as one process. Else
// reads distributed.timeout_s and model.device (cuda becomes cuda:LOCAL_RANK), rendezvouses,
// refuses ranks that resolved different configs (distributed/same_config.h) and leaves the info
// log to rank 0. Errors: those of the launch variables, the device, the rendezvous and the check.
std::unique_ptr<distributed::ProcessGroup> join_launched_group(const config::Config& config);

}  // namespace amem::cli
