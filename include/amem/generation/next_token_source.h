// The seam between a decoding loop and what scores the next token. The loop asks for the
// next-token log-probabilities of every row it decodes, feeds back one chosen token per row and
// reorders rows when beams are re-ranked; the source holds whatever state that takes (a causal
// LM's KV cache, prefix and mask in src/generation/decoding_state.h). Tests fake it with a fixed
// function of the token prefix, so that a search is checked against goldens without a model.
#pragma once

#include <torch/torch.h>

namespace amem::generation {

class NextTokenSource {
 public:
  virtual ~NextTokenSource() = default;
  // Log-probabilities of the token after each row's prompt, [rows, V]. The loop keeps their
  // dtype for its running scores (float32 from a model, as transformers does).
  virtual torch::Tensor first() = 0;
  // Appends tokens[i] (a [rows] long tensor) to row i and returns the log-probabilities of the
  // token after it, [rows, V].
  virtual torch::Tensor next(const torch::Tensor& tokens) = 0;
  // Row i continues from what row rows[i] held so far (beam reordering; called before next()).
  virtual void select_rows(const torch::Tensor& rows) = 0;
};

}  // namespace amem::generation
