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
// per-question loss). With a single-entry bank the repulsion is empty and counts 0 (training
// refuses train.batch_size 1 with this term, MacSettings::from; a last validation batch of one
// triple still has none).
//
// As the paper writes it the repulsion has no lower bound: memories moving apart drive it toward
// −∞. distance_cap bounds it: each ‖M^i − M^j‖² counts at most the cap, so pairs farther apart
// than √cap are pushed no further and the repulsion is at least log(N − 1) − cap.
//
// Keys (section cmt.self_matching): lambda, weight, pooling, distance_cap. Not given in the paper;
// our defaults (distance_cap null: unbounded, the paper's formula).
#pragma once

#include <optional>

#include "amem/methods/cmt/auxiliary_term.h"

namespace amem::methods::cmt {

enum class Pooling { kMean, kFlatten };

class SelfMatching : public AuxiliaryTerm {
 public:
  SelfMatching(double lambda, double weight, Pooling pooling, std::optional<double> distance_cap = std::nullopt)
      : lambda_(lambda), weight_(weight), pooling_(pooling), distance_cap_(distance_cap) {}

  std::string name() const override { return "self_matching"; }
  double weight() const override { return weight_; }
  // queries [B, Q, d], bank [N, T, d] (N >= B) -> L_sm, a float32 scalar.
  torch::Tensor loss(const AuxiliaryInputs& inputs) const override;

 private:
  double lambda_, weight_;
  Pooling pooling_;
  std::optional<double> distance_cap_;  // squared distances count at most this much; none: unbounded
};

config::Registration<AuxiliaryTerm> self_matching_registration();

}  // namespace amem::methods::cmt
