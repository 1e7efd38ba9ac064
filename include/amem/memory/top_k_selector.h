// CMT's top-k aggregation (Li et al., AAAI 2025, "top-k aggregation"): each question reads only
// the K bank entries most similar to it. The motivation in the paper: training banks are a
// batch of documents, test banks the whole stream, so at test time most entries are about
// something else.
//
// Similarity is between the question's pooled representation (its query tokens [Q, d], the
// question encoder's output, mean over tokens) and each entry's pooled modulation ([T, d], mean
// over tokens): `cosine` (the paper's) or `dot`. The K best keep their bank order, so
// hierarchical windows cut the selected entries as they would the bank.
//
// Keys (section cmt.top_k): k (0: every entry, as `all`), similarity, during_training.
#pragma once

#include <string>

#include "amem/memory/selector.h"

namespace amem::memory {

enum class Similarity { kCosine, kDot };

class TopKSelector : public Selector {
 public:
  // k = 0 keeps every entry.
  TopKSelector(int64_t k, Similarity similarity, bool during_training)
      : k_(k), similarity_(similarity), during_training_(during_training) {}

  // bank [N, T, d] -> [B, min(k, N), T, d]; with k = 0 or k >= N the shared bank [1, N, T, d]
  // unchanged (no reordering, so K >= N aggregates exactly as `all`).
  torch::Tensor select(const torch::Tensor& queries, const torch::Tensor& bank) const override;
  bool during_training() const override { return during_training_; }

  // queries [B, Q, d], bank [N, T, d] -> similarity of each question to each entry [B, N], no grad.
  torch::Tensor scores(const torch::Tensor& queries, const torch::Tensor& bank) const;

 private:
  int64_t k_;
  Similarity similarity_;
  bool during_training_;
};

config::Registration<Selector> top_k_selector_registration();

}  // namespace amem::memory
