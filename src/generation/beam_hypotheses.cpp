#include "beam_hypotheses.h"

#include <algorithm>
#include <cmath>

namespace amem::generation {

void BeamHypotheses::add(std::vector<int64_t> tokens, double sum_log_probs, int64_t generated_length) {
  const double score = sum_log_probs / std::pow(double(generated_length), length_penalty_);
  if (int64_t(kept_.size()) >= capacity_ && !(score > worst_)) return;
  kept_.push_back({score, std::move(tokens)});
  if (int64_t(kept_.size()) <= capacity_) {
    worst_ = std::min(score, worst_);
    return;
  }
  // min_element returns the first of equal lowest scores: transformers sorts (score, index)
  // pairs and deletes the first.
  const auto lowest = std::min_element(kept_.begin(), kept_.end(),
                                       [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
  kept_.erase(lowest);
  worst_ = std::min_element(kept_.begin(), kept_.end(), [](const Hypothesis& a, const Hypothesis& b) {
             return a.score < b.score;
           })->score;
}

bool BeamHypotheses::is_done(double best_sum_log_probs, int64_t generated_length) const {
  if (int64_t(kept_.size()) < capacity_) return false;
  if (early_stopping_) return true;
  return worst_ >= best_sum_log_probs / std::pow(double(generated_length), length_penalty_);
}

}  // namespace amem::generation
