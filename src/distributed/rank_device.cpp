#include "amem/distributed/rank_device.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "amem/core/error.h"
#include "amem/device/cuda_devices.h"

namespace amem::distributed {

torch::Device select_rank_device(const LaunchEnvironment& env, const std::string& model_device) {
  if (model_device != "cuda") return torch::kCPU;
  const int64_t gpus = device::initialised_cuda_devices();
  if (env.local_rank >= gpus)
    throw ConfigError("LOCAL_RANK=" + std::to_string(env.local_rank) + ": this machine has " + std::to_string(gpus) +
                      " CUDA device(s); start at most that many processes per machine (model.device: cuda)");
  const torch::Device device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  // Through c10's device-guard registry, which CPU-only LibTorch builds have too.
  c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->setDevice(device);
  return device;
}

}  // namespace amem::distributed
