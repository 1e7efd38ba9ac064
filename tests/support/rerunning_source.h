// A NextTokenSource for tests that check a decoder against recomputation: it keeps every beam's
// whole sequence and scores it from scratch at each step (no cache), as the reference's
// use_cache=False generation does. Subclasses say how a batch of whole sequences is scored.
#pragma once

#include <torch/torch.h>

#include "amem/generation/next_token_source.h"

namespace amem::testing {

class RerunningSource : public generation::NextTokenSource {
 public:
  // prompt: [1, T], copied to `beams` rows.
  RerunningSource(const torch::Tensor& prompt, int64_t beams) : ids_(prompt.repeat({beams, 1})) {}
  torch::Tensor first() override { return log_probs(ids_); }
  torch::Tensor next(const torch::Tensor& tokens) override {
    ids_ = torch::cat({ids_, tokens.view({-1, 1})}, 1);
    return log_probs(ids_);
  }
  void select_rows(const torch::Tensor& rows) override { ids_ = ids_.index_select(0, rows); }

 protected:
  // Log-probabilities of the token after each row of `ids` ([rows, T]), [rows, V].
  virtual torch::Tensor log_probs(const torch::Tensor& ids) = 0;

 private:
  torch::Tensor ids_;
};

}  // namespace amem::testing
