#include "amem/memory/hierarchical_aggregation.h"

#include <vector>

namespace amem::memory {

torch::Tensor aggregate_hierarchically(AggregationNetworkImpl& aggregator, const torch::Tensor& queries,
                                       const torch::Tensor& bank, int64_t window) {
  TORCH_CHECK(window >= 2, "aggregate_hierarchically: a window of ", window, " entries cannot shrink a bank");
  auto memory = bank.unsqueeze(0);  // [1, N, T, d] shared, then [B, N', T, d] per question
  while (memory.size(1) > window) {
    std::vector<torch::Tensor> reduced;
    for (int64_t start = 0; start < memory.size(1); start += window) {
      reduced.push_back(aggregator.attend(queries, memory.slice(1, start, start + window)));
    }
    memory = torch::stack(reduced, 1);
  }
  return aggregator.attend(queries, memory);
}

}  // namespace amem::memory
