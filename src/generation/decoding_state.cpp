#include "decoding_state.h"

namespace amem::generation {

LmStream::LmStream(models::CausalLm& model, const torch::Tensor& ids, const torch::Tensor& mask,
                   const models::Prefix* prefix, int64_t copies)
    : model_(model) {
  prompt_ids_ = ids.repeat_interleave(copies, 0);
  mask_ = mask.to(torch::kLong).repeat_interleave(copies, 0);
  if (prefix) {
    TORCH_CHECK(prefix->keys.front().size(0) == ids.size(0), "generation: the prefix has ",
                prefix->keys.front().size(0), " rows for a batch of ", ids.size(0));
    cache_ = models::KvCache::from_prefix(*prefix);
    cache_.repeat_rows(copies);
    // Every position attends to the prefix, and positions of real tokens start after it.
    mask_ = torch::cat({torch::ones({mask_.size(0), prefix->length()}, mask_.options()), mask_}, 1);
  }
}

torch::Tensor LmStream::last_logits(const torch::Tensor& ids) {
  const int64_t length = ids.size(1);
  // Positions as transformers derives them during generation: real tokens seen so far - 1.
  auto positions = models::positions_from_mask(mask_).narrow(1, mask_.size(1) - length, length);
  auto logits = model_.forward(ids, mask_, positions, &cache_);
  return logits.select(1, length - 1).to(torch::kFloat32);
}

torch::Tensor LmStream::first() { return last_logits(prompt_ids_); }

torch::Tensor LmStream::next(const torch::Tensor& tokens) {
  mask_ = torch::cat({mask_, torch::ones({mask_.size(0), 1}, mask_.options())}, 1);
  return last_logits(tokens.view({-1, 1}));
}

void LmStream::select_rows(const torch::Tensor& rows) {
  cache_.select_rows(rows);
  mask_ = mask_.index_select(0, rows);
}

DecodingState::DecodingState(models::CausalLm& model, const Prompt& prompt, int64_t copies)
    : main_(model, prompt.ids, prompt.mask, prompt.prefix, copies) {
  TORCH_CHECK(prompt.contrast_alpha >= 0, "generation: contrast_alpha ", prompt.contrast_alpha, " is negative");
  // Without a prefix both streams would be the same prompt: the contrast is the logits themselves.
  if (prompt.contrast_alpha > 0 && prompt.prefix) {
    without_prefix_.emplace(model, prompt.ids, prompt.mask, nullptr, copies);
    alpha_ = prompt.contrast_alpha;
  }
}

torch::Tensor DecodingState::log_probs(const torch::Tensor& with_prefix,
                                       const std::optional<torch::Tensor>& without_prefix) const {
  if (!without_prefix) return torch::log_softmax(with_prefix, -1);
  return torch::log_softmax((1.0 + alpha_) * with_prefix - alpha_ * *without_prefix, -1);
}

torch::Tensor DecodingState::first() {
  auto with_prefix = main_.first();
  return log_probs(with_prefix, without_prefix_ ? std::optional<torch::Tensor>(without_prefix_->first()) : std::nullopt);
}

torch::Tensor DecodingState::next(const torch::Tensor& tokens) {
  auto with_prefix = main_.next(tokens);
  return log_probs(with_prefix,
                   without_prefix_ ? std::optional<torch::Tensor>(without_prefix_->next(tokens)) : std::nullopt);
}

void DecodingState::select_rows(const torch::Tensor& rows) {
  main_.select_rows(rows);
  if (without_prefix_) without_prefix_->select_rows(rows);
}

torch::Tensor is_eos(const torch::Tensor& tokens, const std::vector<int64_t>& eos_ids) {
  auto hit = torch::zeros_like(tokens, tokens.options().dtype(torch::kBool));
  for (int64_t eos : eos_ids) hit |= tokens == eos;
  return hit;
}

}  // namespace amem::generation
