// CUDA, initialised on demand.
#pragma once

#include <cstdint>

namespace amem::device {

// The number of CUDA devices, after making sure LibTorch has initialised CUDA. LibTorch does
// that lazily, on the first CUDA tensor; until then its generators and allocator statistics
// cannot be read (Python's torch.cuda functions initialise first for the same reason).
// 0 without CUDA, and then nothing is initialised.
int64_t initialised_cuda_devices();

}  // namespace amem::device
