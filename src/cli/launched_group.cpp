#include "cli/launched_group.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "amem/distributed/distributed_settings.h"
#include "amem/distributed/launch_environment.h"
#include "amem/distributed/rank_device.h"
#include "amem/distributed/same_config.h"

namespace amem::cli {

std::unique_ptr<distributed::ProcessGroup> join_launched_group(const config::Config& config) {
  const auto launch = distributed::launch_environment(std::getenv);
  if (!launch) return nullptr;
  const auto settings = distributed::DistributedSettings::from(config);
  const auto device = distributed::select_rank_device(*launch, config.get<std::string>("model.device"));
  auto group = std::make_unique<distributed::ProcessGroup>(*launch, device, settings.timeout);
  distributed::check_same_config(*group, config.to_yaml());
  if (launch->rank != 0) spdlog::set_level(spdlog::level::warn);  // rank 0 reports the run
  return group;
}

}  // namespace amem::cli
