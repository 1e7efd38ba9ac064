// An auxiliary term of the meta-training objective: total loss = QA loss + Σ weight x term
// (CMT's self-matching loss is one). Terms are chosen by name with cmt.auxiliary_terms from the
// table in methods/cmt/auxiliary_terms.cpp (config/registry.h): a new term is one file (its
// class, its keys, its Registration) and one line in that table; mac_objective calls terms
// through this interface only.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/registry.h"

namespace amem::methods::cmt {

// What a term sees of one training batch. Rows 0..B-1 of the bank are the documents of the
// batch's B asked questions (question i's own document is bank row i); rows B..N-1 are the
// batch's other documents (mac.lift_ratio < 1).
struct AuxiliaryInputs {
  torch::Tensor queries;  // [B, Q, d]: the question encoder's output tokens
  torch::Tensor bank;     // [N, T, d]: the batch's modulations, N >= B
};

class AuxiliaryTerm {
 public:
  virtual ~AuxiliaryTerm() = default;
  // The metric the term's value is logged under.
  virtual std::string name() const = 0;
  // Its weight in the total loss.
  virtual double weight() const = 0;
  // The scalar term (float32), differentiable in the inputs.
  virtual torch::Tensor loss(const AuxiliaryInputs& inputs) const = 0;
};

using AuxiliaryTerms = std::vector<std::shared_ptr<const AuxiliaryTerm>>;

// The registered terms (methods/cmt/auxiliary_terms.cpp).
const std::vector<config::Registration<AuxiliaryTerm>>& auxiliary_term_registry();

// The terms cmt.auxiliary_terms names, in its order; amem::ConfigError for a name not
// registered or named twice.
AuxiliaryTerms make_auxiliary_terms(const config::Config& config);

}  // namespace amem::methods::cmt
