// What greedy and beam search share: the model's cache, the growing attention mask and the
// positions of a batch being decoded one token at a time. Internal to src/generation.
//
// This is the one place next-token scores are produced for every decoder (greedy, beam, group
// beam), so memory-aware decoding (Prompt::contrast_alpha) lives here: a second stream, the same
// prompt without the prefix, is decoded alongside and its logits are contrasted with the first's.
#pragma once

#include <optional>

#include "amem/generation/generate.h"
#include "amem/generation/next_token_source.h"

namespace amem::generation {

// One causal LM decoding its rows: the KV cache (the prefix's first, if any), the mask and the
// positions. Its logits are the last position's, float32, [rows, V].
class LmStream {
 public:
  // `prefix` may be null; `copies`: each prompt row is decoded as that many adjacent rows.
  LmStream(models::CausalLm& model, const torch::Tensor& ids, const torch::Tensor& mask,
           const models::Prefix* prefix, int64_t copies);
  torch::Tensor first();
  torch::Tensor next(const torch::Tensor& tokens);
  void select_rows(const torch::Tensor& rows);

 private:
  torch::Tensor last_logits(const torch::Tensor& ids);
  models::CausalLm& model_;
  models::KvCache cache_;
  torch::Tensor prompt_ids_, mask_;  // mask covers prefix + everything decoded so far
};

class DecodingState : public NextTokenSource {
 public:
  // `copies`: each prompt row is decoded as that many rows (the beams), adjacent. With
  // prompt.contrast_alpha > 0 and a prefix, the prefix-free stream runs too.
  DecodingState(models::CausalLm& model, const Prompt& prompt, int64_t copies);

  // Log-probabilities (float32) of the next token after the prompt, [rows, V].
  torch::Tensor first() override;
  // Appends one token per row [rows] and returns the next log-probabilities.
  torch::Tensor next(const torch::Tensor& tokens) override;
  // Row i continues from row rows[i] (beam reordering), in both streams.
  void select_rows(const torch::Tensor& rows) override;

 private:
  // log_softmax of the main stream's logits, contrasted with the prefix-free stream's if any.
  torch::Tensor log_probs(const torch::Tensor& with_prefix, const std::optional<torch::Tensor>& without_prefix) const;
  LmStream main_;
  std::optional<LmStream> without_prefix_;
  double alpha_ = 0;
};

// Where tokens (any shape) equal one of eos_ids.
torch::Tensor is_eos(const torch::Tensor& tokens, const std::vector<int64_t>& eos_ids);

}  // namespace amem::generation
