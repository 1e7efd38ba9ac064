#include "decoding_state.h"

namespace amem::generation {

DecodingState::DecodingState(models::CausalLm& model, const Prompt& prompt, int64_t copies)
    : model_(model) {
  prompt_ids_ = prompt.ids.repeat_interleave(copies, 0);
  mask_ = prompt.mask.to(torch::kLong).repeat_interleave(copies, 0);
  if (prompt.prefix) {
    TORCH_CHECK(prompt.prefix->keys.front().size(0) == prompt.ids.size(0),
                "generation: the prefix has ", prompt.prefix->keys.front().size(0),
                " rows for a batch of ", prompt.ids.size(0));
    cache_ = models::KvCache::from_prefix(*prompt.prefix);
    cache_.repeat_rows(copies);
    // Every position attends to the prefix, and positions of real tokens start after it.
    mask_ = torch::cat({torch::ones({mask_.size(0), prompt.prefix->length()}, mask_.options()), mask_}, 1);
  }
}

torch::Tensor DecodingState::last_log_probs(const torch::Tensor& ids) {
  const int64_t length = ids.size(1);
  // Positions as transformers derives them during generation: real tokens seen so far - 1.
  auto positions = models::positions_from_mask(mask_).narrow(1, mask_.size(1) - length, length);
  auto logits = model_.forward(ids, mask_, positions, &cache_);
  return torch::log_softmax(logits.select(1, length - 1).to(torch::kFloat32), -1);
}

torch::Tensor DecodingState::first() { return last_log_probs(prompt_ids_); }

torch::Tensor DecodingState::next(const torch::Tensor& tokens) {
  mask_ = torch::cat({mask_, torch::ones({mask_.size(0), 1}, mask_.options())}, 1);
  return last_log_probs(tokens.view({-1, 1}));
}

void DecodingState::select_rows(const torch::Tensor& rows) {
  cache_.select_rows(rows);
  mask_ = mask_.index_select(0, rows);
}

torch::Tensor is_eos(const torch::Tensor& tokens, const std::vector<int64_t>& eos_ids) {
  auto hit = torch::zeros_like(tokens, tokens.options().dtype(torch::kBool));
  for (int64_t eos : eos_ids) hit |= tokens == eos;
  return hit;
}

}  // namespace amem::generation
