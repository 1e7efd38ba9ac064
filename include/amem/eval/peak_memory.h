// The most memory the process has used so far, as results.json reports it.
#pragma once

#include <cstdint>
#include <optional>

namespace amem::eval {

struct PeakMemory {
  int64_t cpu_bytes = 0;               // resident set size high-water mark (getrusage)
  std::optional<int64_t> cuda_bytes;   // tensors allocated on CUDA device 0 (torch's caching
                                       // allocator); empty without CUDA or with a LibTorch
                                       // too old to report it (< 2.9)
};

PeakMemory peak_memory();

}  // namespace amem::eval
