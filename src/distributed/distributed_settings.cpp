#include "amem/distributed/distributed_settings.h"

namespace amem::distributed {

void DistributedSettings::declare(config::Schema& schema) {
  schema.section("distributed", "data-parallel training over several processes (docs/multi_gpu.md)")
      .field<int64_t>("timeout_s", 1800,
                      "seconds a rank waits for the others in one collective before stopping with an error "
                      "(torch.distributed's default, 30 min); must exceed rank 0's longest save of a checkpoint or model")
      .at_least(1)
      .field<int64_t>("bucket_mb", 25, "MiB of gradients per all-reduce bucket (DistributedDataParallel's bucket_cap_mb)")
      .at_least(1);
}

DistributedSettings DistributedSettings::from(const config::Config& config) {
  DistributedSettings s;
  s.timeout = std::chrono::seconds(config.get<int64_t>("distributed.timeout_s"));
  s.bucket_bytes = config.get<int64_t>("distributed.bucket_mb") << 20;
  return s;
}

}  // namespace amem::distributed
