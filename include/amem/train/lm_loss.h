// Next-token cross-entropy as Hugging Face's causal-LM loss computes it: position t predicts
// label t+1, labels equal to -100 are ignored (padding, or the question in an answer-only QA
// loss), and the mean is over the counted tokens. Logits are taken in float32 (float64 stays float64).
#pragma once

#include <torch/torch.h>

namespace amem::train {

constexpr int64_t kIgnoreIndex = -100;

// logits [B, L, V], labels [B, L] -> scalar mean loss.
torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& labels);

// The loss of every predicted token: [B, L-1], 0 where the label is ignored.
torch::Tensor lm_token_losses(const torch::Tensor& logits, const torch::Tensor& labels);

// Labels for a padded batch: the ids, with -100 where attention_mask is 0.
torch::Tensor labels_from_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

}  // namespace amem::train
