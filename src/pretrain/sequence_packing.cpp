#include "amem/pretrain/sequence_packing.h"

namespace amem::pretrain {

torch::Tensor pack_sequences(const std::vector<std::vector<int64_t>>& documents, int64_t eos_id, int64_t length) {
  int64_t total = 0;
  for (const auto& document : documents) total += int64_t(document.size()) + 1;
  const int64_t rows = total / length;
  auto packed = torch::empty({rows, length}, torch::kInt64);
  int64_t* out = packed.data_ptr<int64_t>();
  const int64_t* const end = out + rows * length;
  for (const auto& document : documents) {
    for (const int64_t id : document) {
      if (out == end) return packed;
      *out++ = id;
    }
    if (out == end) return packed;
    *out++ = eos_id;
  }
  return packed;
}

}  // namespace amem::pretrain
