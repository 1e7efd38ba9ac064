#include "amem/memory/hierarchical_aggregation.h"

#include <vector>

namespace amem::memory {

namespace {

// One level: each window of `window` consecutive entries of memory [Bm, N, T, d] (Bm = 1 shared,
// or B, one per question) becomes one entry per question: [B, ceil(N / window), T, d].
// All full windows go through the blocks in one call, a window per row. The blocks treat every
// query token on its own, so when the memory is shared the B questions' tokens ride side by side
// in each window's row.
torch::Tensor reduce_level(AggregationNetworkImpl& aggregator, const torch::Tensor& queries,
                           const torch::Tensor& memory, int64_t window) {
  const int64_t batch = queries.size(0), tokens = queries.size(1), dim = queries.size(2);
  const int64_t rows = memory.size(0), per_row = batch / rows, full = memory.size(1) / window;
  std::vector<torch::Tensor> levels;
  if (full > 0) {
    const auto windows = memory.slice(1, 0, full * window).reshape({rows * full, window, tokens, dim});
    const auto row_queries = queries.reshape({rows, 1, per_row * tokens, dim})
                                 .expand({rows, full, per_row * tokens, dim})
                                 .reshape({rows * full, per_row * tokens, dim});
    const auto out = aggregator.attend(row_queries, windows);  // [rows x full, per_row x T, d]
    levels.push_back(out.view({rows, full, per_row, tokens, dim}).permute({0, 2, 1, 3, 4}).reshape({batch, full, tokens, dim}));
  }
  if (memory.size(1) % window != 0)  // the last, shorter window
    levels.push_back(aggregator.attend(queries, memory.slice(1, full * window)).unsqueeze(1));
  return torch::cat(levels, 1);
}

}  // namespace

torch::Tensor aggregate_hierarchically(AggregationNetworkImpl& aggregator, const torch::Tensor& queries,
                                       const torch::Tensor& bank, int64_t window) {
  TORCH_CHECK(window >= 2, "aggregate_hierarchically: a window of ", window, " entries cannot shrink a bank");
  auto memory = bank.dim() == 3 ? bank.unsqueeze(0) : bank;  // [1, N, T, d] shared, then [B, N', T, d] per question
  while (memory.size(1) > window) memory = reduce_level(aggregator, queries, memory, window);
  return aggregator.attend(queries, memory);
}

torch::Tensor HierarchicalAggregator::aggregate(AggregationNetworkImpl& network, const torch::Tensor& queries,
                                                const torch::Tensor& memory, std::optional<int64_t> window) const {
  if (window) return aggregate_hierarchically(network, queries, memory, *window);
  return network.attend(queries, memory);
}

config::Registration<Aggregator> hierarchical_aggregator_registration() {
  return {"hierarchical", nullptr, [](const config::Config&) { return std::make_shared<const HierarchicalAggregator>(); }};
}

}  // namespace amem::memory
