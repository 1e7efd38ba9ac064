#include "amem/device/cuda_devices.h"

#include <torch/torch.h>

namespace amem::device {

int64_t initialised_cuda_devices() {
  const auto count = int64_t(torch::cuda::device_count());
  if (count > 0) torch::empty({1}, torch::TensorOptions().device(torch::kCUDA));
  return count;
}

}  // namespace amem::device
