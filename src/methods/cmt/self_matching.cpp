#include "amem/methods/cmt/self_matching.h"

#include <limits>

namespace amem::methods::cmt {

namespace {

torch::Tensor pooled(const torch::Tensor& x, Pooling pooling) {
  const auto f = x.to(torch::kFloat);
  return pooling == Pooling::kMean ? f.mean(1) : f.flatten(1);
}

}  // namespace

torch::Tensor SelfMatching::loss(const AuxiliaryInputs& inputs) const {
  const int64_t batch = inputs.queries.size(0), entries = inputs.bank.size(0);
  TORCH_CHECK(entries >= batch, "SelfMatching: a bank of ", entries, " entries for ", batch, " questions");
  const auto q = pooled(inputs.queries, pooling_);  // [B, D]
  const auto m = pooled(inputs.bank, pooling_);     // [N, D]
  TORCH_CHECK(q.size(1) == m.size(1), "SelfMatching: pooled questions ", q.sizes(), " and memories ", m.sizes(),
              " differ in width (flatten needs as many question as memory tokens)");
  const auto own = m.slice(0, 0, batch);
  auto per_question = -torch::cosine_similarity(q, own, 1);  // [B]
  if (entries > 1) {
    auto squared = (own.unsqueeze(1) - m.unsqueeze(0)).pow(2).sum(2);  // [B, N]: ‖M^i − M^j‖²
    if (distance_cap_) squared = squared.clamp_max(*distance_cap_);
    // j = i is left out of the sum: its exp(0) would put a floor under every memory's spread.
    const auto self = torch::eye(batch, entries, torch::TensorOptions().dtype(torch::kBool).device(m.device()));
    const auto logits = (-squared).masked_fill(self, -std::numeric_limits<float>::infinity());
    per_question = per_question + lambda_ * torch::logsumexp(logits, 1);
  }
  return per_question.mean();
}

config::Registration<AuxiliaryTerm> self_matching_registration() {
  return {"self_matching",
          [](config::Schema& schema) {
            schema.section("cmt.self_matching", "CMT's self-matching loss (cmt.auxiliary_terms: [self_matching])")
                .field<double>("lambda", 0.1, "λ: weight of the repulsion log Σ_{j≠i} exp(−‖M^i − M^j‖²) against −cos(q_i, M^i). Not given in the paper; our default")
                .at_least(0)
                .field<double>("weight", 0.1, "w: total loss = QA loss + w · L_sm. Not given in the paper; our default")
                .at_least(0)
                .field<std::string>("pooling", "mean", "how [tokens, d] matrices become vectors: mean over tokens or flatten. Not given in the paper; our default")
                .one_of({"mean", "flatten"})
                .optional<double>("distance_cap", "bound on the repulsion: each squared distance ‖M^i − M^j‖² counts at most this much (pairs farther apart are pushed no further); null: unbounded, the paper's formula. Our addition")
                .positive();
          },
          [](const config::Config& config) {
            const auto pooling =
                config.get<std::string>("cmt.self_matching.pooling") == "flatten" ? Pooling::kFlatten : Pooling::kMean;
            std::optional<double> cap;
            if (!config.is_null("cmt.self_matching.distance_cap")) cap = config.get<double>("cmt.self_matching.distance_cap");
            return std::make_shared<const SelfMatching>(config.get<double>("cmt.self_matching.lambda"),
                                                        config.get<double>("cmt.self_matching.weight"), pooling, cap);
          }};
}

}  // namespace amem::methods::cmt
