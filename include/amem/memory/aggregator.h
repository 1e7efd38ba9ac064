// Aggregation strategy: how the trained aggregation network (aggregation_network.h) turns the
// memory a question's selector kept into the question's modulation. MAC's is `hierarchical`
// (hierarchical_aggregation.h): one read of the whole memory, or windows of it when a window is
// set (memory.window at answer time, mac.context_windows in validation); training reads the
// batch's memory with no window.
//
// An aggregator is chosen by name with mac.aggregator, from the table in memory/aggregators.cpp
// (config/registry.h), as selectors are: a new one is one file (its class, its keys, its
// Registration) and one line in that table; MacModel (answers) and mac_objective (training) call
// it through this interface only.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/registry.h"
#include "amem/memory/aggregation_network.h"

namespace amem::memory {

class Aggregator {
 public:
  virtual ~Aggregator() = default;

  // queries [B, Q, d] (AggregationNetwork::encode_questions) read `memory` [Bm, N, T, d] (Bm = 1
  // shared, or B: each question's own entries, as Selector::select returns it) through
  // `network` -> modulations [B, Q, d]. `window`: the most entries one read may take (>= 2;
  // none in training). Gradients reach the network and the memory.
  virtual torch::Tensor aggregate(AggregationNetworkImpl& network, const torch::Tensor& queries,
                                  const torch::Tensor& memory, std::optional<int64_t> window) const = 0;
};

// The registered aggregators (memory/aggregators.cpp), in the order `amem config keys` lists
// them. Mutable so that a test can register a part of its own (a program registers in the table).
std::vector<config::Registration<Aggregator>>& aggregator_registry();

// The aggregator mac.aggregator names; amem::ConfigError for a name not registered.
std::shared_ptr<const Aggregator> make_aggregator(const config::Config& config);

}  // namespace amem::memory
