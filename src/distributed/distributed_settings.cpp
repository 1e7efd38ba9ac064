#include "amem/distributed/distributed_settings.h"

namespace amem::distributed {

void DistributedSettings::declare(config::Schema& schema) {
  schema.section("distributed", "data-parallel training over several processes (docs/multi_gpu.md)")
      .field<int64_t>("timeout_s", 1800,
                      "seconds a rank waits for the others in one collective before stopping with an error "
                      "(torch.distributed's default, 30 min); must exceed rank 0's longest save of a checkpoint or model")
      .at_least(1)
      .field<int64_t>("bucket_mb", 25, "MiB of gradients per all-reduce bucket (DistributedDataParallel's bucket_cap_mb)")
      .at_least(1)
      .field<std::string>("rank_seeds", "same",
                          "same: every rank draws from run.seed, so dropout masks repeat across ranks (the MAC "
                          "reference seeds every process alike, M:main.py:32); offset: after the ranks' initial "
                          "parameters are checked equal, rank r reseeds with run.seed + r (its own dropout masks)")
      .one_of({"same", "offset"});
}

DistributedSettings DistributedSettings::from(const config::Config& config) {
  DistributedSettings s;
  s.timeout = std::chrono::seconds(config.get<int64_t>("distributed.timeout_s"));
  s.bucket_bytes = config.get<int64_t>("distributed.bucket_mb") << 20;
  s.offset_rank_seeds = config.get<std::string>("distributed.rank_seeds") == "offset";
  return s;
}

}  // namespace amem::distributed
