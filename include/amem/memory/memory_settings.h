// The `memory` section of a config: how MAC's memory bank is read at answer time, saved and
// reused — by `amem eval` (eval.adapter: mac) and `amem memory build`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::memory {

// The file a bank is saved as inside a run folder.
inline constexpr const char* kBankFile = "memory_bank.safetensors";

struct MemorySettings {
  // Aggregate the bank hierarchically in windows of this many entries when answering
  // (hierarchical_aggregation.h); unset: the whole bank in one cross-attention.
  std::optional<int64_t> window;
  // A bank file to start from: documents whose content is in it are not amortized again, and its
  // other entries stay part of the memory.
  std::optional<std::string> load;
  bool save;           // write the bank into the run folder (kBankFile)
  // Documents per amortizer forward: `amem memory build` pads them into one batch; `amem eval`
  // holds up to this many and gives each group of equal token count one forward.
  int64_t batch_size;
  torch::ScalarType dtype;  // what the bank stores modulations in (memory.dtype)
  // memory.eval_batching=padded: `amem eval` pads the documents it holds into one forward instead
  // of one forward per group of equal token count (`amem memory build` always pads).
  bool eval_pads_batches;
  // Amortize under bf16 autocast, as meta-training runs the amortizer (CUDA only; the config is
  // refused on another device): the float32 networks' matrix products in bf16.
  bool bf16_autocast;

  static void declare(config::Schema& schema);
  static MemorySettings from(const config::Config& config);
};

// The memory.* keys set away from their defaults, in declaration order. A command or adapter that
// has no memory bank refuses them (they would be silently ignored): `amem eval` with an adapter
// other than mac, and training.
std::vector<std::string> memory_keys_set(const config::Config& config);

}  // namespace amem::memory
