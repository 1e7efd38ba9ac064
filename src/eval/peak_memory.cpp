#include "amem/eval/peak_memory.h"

#include "amem/device/cuda_devices.h"

#include <sys/resource.h>
#include <torch/torch.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 9)
#include <c10/core/CachingDeviceAllocator.h>
#define AMEM_CUDA_DEVICE_STATS 1
#endif

namespace amem::eval {

namespace {

std::optional<int64_t> cuda_peak_bytes() {
#ifdef AMEM_CUDA_DEVICE_STATS
  if (device::initialised_cuda_devices() == 0) return std::nullopt;
  // Through the device-generic allocator interface, so that amem need not link c10_cuda.
  auto* allocator = dynamic_cast<c10::DeviceAllocator*>(c10::GetAllocator(c10::DeviceType::CUDA));
  if (!allocator) return std::nullopt;
  const auto stats = allocator->getDeviceStats(0);
  return stats.allocated_bytes[0].peak;  // index 0: every pool together
#else
  return std::nullopt;
#endif
}

}  // namespace

PeakMemory peak_memory() {
  PeakMemory peak;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  peak.cpu_bytes = int64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
  peak.cuda_bytes = cuda_peak_bytes();
  return peak;
}

}  // namespace amem::eval
