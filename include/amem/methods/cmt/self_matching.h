// CMT's self-matching loss (Li et al., AAAI 2025, "self-matching"): on each training batch,
//
//   L_sm = mean_i [ −cos(q_i, M^i) + λ · log Σ_{j≠i} exp(−‖M^i − M^j‖²) ]
//
// with q_i question i's representation (the question encoder's output tokens) and M^i the
// modulation of its own document, M^j the batch bank's other entries. The first part pulls a
// question's representation toward its document's memory; the second pushes memories apart,
// so the compressor cannot map every document to near-identical memories (the paper's
// purpose). [Q, d] and [T, d] matrices become vectors by `pooling`: mean over tokens, or
// flatten (Q = T). The mean over the batch's questions is our choice (the paper writes the
// per-question loss). With a single-entry bank the repulsion is empty and counts 0.
//
// Keys (section cmt.self_matching): lambda, weight, pooling. Not given in the paper; our defaults.
#pragma once

#include "amem/methods/cmt/auxiliary_term.h"

namespace amem::methods::cmt {

enum class Pooling { kMean, kFlatten };

class SelfMatching : public AuxiliaryTerm {
 public:
  SelfMatching(double lambda, double weight, Pooling pooling) : lambda_(lambda), weight_(weight), pooling_(pooling) {}

  std::string name() const override { return "self_matching"; }
  double weight() const override { return weight_; }
  // queries [B, Q, d], bank [N, T, d] (N >= B) -> L_sm, a float32 scalar.
  torch::Tensor loss(const AuxiliaryInputs& inputs) const override;

 private:
  double lambda_, weight_;
  Pooling pooling_;
};

config::Registration<AuxiliaryTerm> self_matching_registration();

}  // namespace amem::methods::cmt
