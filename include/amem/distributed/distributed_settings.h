// The `distributed` section of a config: how a data-parallel run's processes talk. Read only
// when the process was started by a launcher with more than one process (launch_environment.h).
#pragma once

#include <chrono>
#include <cstdint>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::distributed {

struct DistributedSettings {
  // The longest any rank waits for the others in one collective (rendezvous included): a rank
  // that died or hangs stops the rest with an error after this. Rank 0 saves checkpoints and
  // models while the others wait, so it must exceed the longest save.
  std::chrono::seconds timeout;
  int64_t bucket_bytes;  // gradients are all-reduced in buckets of about this size
  // distributed.rank_seeds=offset: each rank reseeds with run.seed + rank once the initial
  // parameters are checked equal (train/training_loop.h DataParallel::rank_seed_base).
  bool offset_rank_seeds;

  static void declare(config::Schema& schema);
  static DistributedSettings from(const config::Config& config);
};

}  // namespace amem::distributed
