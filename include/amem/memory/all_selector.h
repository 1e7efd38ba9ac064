// The `all` selector: every question reads the whole bank, as MAC does (Tack et al. 2024).
#pragma once

#include "amem/memory/selector.h"

namespace amem::memory {

class AllSelector : public Selector {
 public:
  // bank [N, T, d] -> [1, N, T, d], the bank itself shared by every question.
  torch::Tensor select(const torch::Tensor& queries, const torch::Tensor& bank) const override;
  bool during_training() const override { return false; }
};

config::Registration<Selector> all_selector_registration();

}  // namespace amem::memory
