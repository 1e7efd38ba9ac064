// Aggregating a memory bank larger than the aggregation network should read at once (MAC's
// hierarchical aggregation, for banks bigger than those seen in training).
//
// The bank is cut into consecutive windows of `window` entries; each window is aggregated, with
// the question, into one entry; the entries so made form the next, smaller bank. This repeats
// until the bank has at most `window` entries, which are then aggregated into the question's
// modulation. Every question gets its own reduced bank, since the reduction depends on it.
// (The reference's loop steps through the question's token count instead of the bank's
// entries, which leaves entries out; this follows its evident intent.)
#pragma once

#include <torch/torch.h>

#include "amem/memory/aggregation_network.h"
#include "amem/memory/aggregator.h"

namespace amem::memory {

// queries [B, T, d] (AggregationNetwork::encode_questions), bank [N, T, d] shared by every
// question or [Bm, N, T, d] (Bm = 1, or B: each question's own entries, as a Selector keeps
// them), window >= 2 -> modulations [B, T, d]. With N <= window this is AggregationNetwork::attend.
torch::Tensor aggregate_hierarchically(AggregationNetworkImpl& aggregator, const torch::Tensor& queries,
                                       const torch::Tensor& bank, int64_t window);

// MAC's aggregator, registered as `hierarchical` (the default of mac.aggregator): without a
// window one AggregationNetwork::attend over the whole memory, with one aggregate_hierarchically.
class HierarchicalAggregator : public Aggregator {
 public:
  torch::Tensor aggregate(AggregationNetworkImpl& network, const torch::Tensor& queries, const torch::Tensor& memory,
                          std::optional<int64_t> window) const override;
};

config::Registration<Aggregator> hierarchical_aggregator_registration();

}  // namespace amem::memory
