// What greedy and beam search share: the model's cache, the growing attention mask and the
// positions of a batch being decoded one token at a time. Internal to src/generation.
#pragma once

#include "amem/generation/generate.h"
#include "amem/generation/next_token_source.h"

namespace amem::generation {

class DecodingState : public NextTokenSource {
 public:
  // `copies`: each prompt row is decoded as that many rows (the beams), adjacent.
  DecodingState(models::CausalLm& model, const Prompt& prompt, int64_t copies);

  // Log-probabilities (float32) of the next token after the prompt, [rows, V].
  torch::Tensor first() override;
  // Appends one token per row [rows] and returns the next log-probabilities.
  torch::Tensor next(const torch::Tensor& tokens) override;
  // Row i continues from row rows[i] (beam reordering).
  void select_rows(const torch::Tensor& rows) override;

 private:
  torch::Tensor last_log_probs(const torch::Tensor& ids);
  models::CausalLm& model_;
  models::KvCache cache_;
  torch::Tensor prompt_ids_, mask_;  // mask covers prefix + everything decoded so far
};

// Where tokens (any shape) equal one of eos_ids.
torch::Tensor is_eos(const torch::Tensor& tokens, const std::vector<int64_t>& eos_ids);

}  // namespace amem::generation
