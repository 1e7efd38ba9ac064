// One group's finished hypotheses in transformers 4.36.2's group beam search (beam_search.py
// BeamHypotheses, at 4e7bd11): the best `capacity` by length-normalised score, and when the
// group may stop. Internal to src/generation (group_beam_search.cpp).
#pragma once

#include <cstdint>
#include <vector>

namespace amem::generation {

struct Hypothesis {
  double score;                 // sum of log-probabilities / generated_length^length_penalty
  std::vector<int64_t> tokens;  // generated tokens, without the EOS that finished it
};

class BeamHypotheses {
 public:
  BeamHypotheses(int64_t capacity, double length_penalty, bool early_stopping)
      : capacity_(capacity), length_penalty_(length_penalty), early_stopping_(early_stopping) {}

  // Keeps the hypothesis when fewer than `capacity` are held or it beats the worst (strictly);
  // over capacity, the lowest goes (the earliest added among equals). Scores are computed in
  // double, as transformers does on Python floats.
  void add(std::vector<int64_t> tokens, double sum_log_probs, int64_t generated_length);

  // Whether the group stops: `capacity` hypotheses held and, unless early_stopping, the best
  // candidate score of this step (`best_sum_log_probs`) over generated_length^length_penalty
  // cannot beat the worst of them.
  bool is_done(double best_sum_log_probs, int64_t generated_length) const;

  // In the order transformers keeps them (insertion order, less the removed ones).
  const std::vector<Hypothesis>& hypotheses() const { return kept_; }

 private:
  int64_t capacity_;
  double length_penalty_;
  bool early_stopping_;
  std::vector<Hypothesis> kept_;
  double worst_ = 1e9;  // transformers' initial worst_score
};

}  // namespace amem::generation
