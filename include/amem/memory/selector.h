// Selection: the stage between the memory bank and the aggregation network that decides which
// entries a question's aggregation reads (CMT, Li et al. AAAI 2025, "top-k aggregation"). MAC
// reads every entry (`all`); CMT reads only the K entries most similar to the question (`top_k`).
// Hierarchical aggregation (hierarchical_aggregation.h) windows what selection kept.
//
// A selector is chosen by name with cmt.selector, from the table in memory/selectors.cpp
// (config/registry.h): a new one is one file (its class, its keys, its Registration) and one
// line in that table; MacModel (answers) and mac_objective (training) call it through this
// interface only.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/registry.h"
#include "amem/config/schema.h"

namespace amem::memory {

class Selector {
 public:
  virtual ~Selector() = default;

  // queries [B, Q, d] (the question encoder's output tokens, AggregationNetwork::encode_questions),
  // bank [N, T, d] -> the memory the questions read, [Bm, N', T, d]: Bm = 1, one memory shared
  // by every question, or Bm = B, question b's own entries in row b (entries in bank order).
  // Gradients reach the kept entries.
  virtual torch::Tensor select(const torch::Tensor& queries, const torch::Tensor& bank) const = 0;

  // Whether meta-training selects within each batch's bank too (otherwise training questions
  // read the whole batch bank, as MAC's).
  virtual bool during_training() const = 0;
};

// The registered selectors (memory/selectors.cpp), in the order `amem config keys` lists them.
const std::vector<config::Registration<Selector>>& selector_registry();

// The selector cmt.selector names; amem::ConfigError for a name not registered.
std::shared_ptr<const Selector> make_selector(const config::Config& config);

}  // namespace amem::memory
