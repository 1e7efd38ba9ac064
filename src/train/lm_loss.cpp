#include "amem/train/lm_loss.h"

namespace amem::train {

namespace {

std::pair<torch::Tensor, torch::Tensor> shifted(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t L = logits.size(1);
  auto predicted = logits.narrow(1, 0, L - 1);
  predicted = predicted.to(at::promote_types(predicted.scalar_type(), torch::kFloat32));
  auto targets = labels.narrow(1, 1, L - 1);
  return {predicted.reshape({-1, predicted.size(-1)}), targets.reshape({-1})};
}

}  // namespace

torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto [predicted, targets] = shifted(logits, labels);
  return torch::nn::functional::cross_entropy(
      predicted, targets, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
}

torch::Tensor lm_token_losses(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto [predicted, targets] = shifted(logits, labels);
  auto losses = torch::nn::functional::cross_entropy(
      predicted, targets,
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex).reduction(torch::kNone));
  return losses.view({logits.size(0), logits.size(1) - 1});
}

torch::Tensor labels_from_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  return input_ids.masked_fill(attention_mask == 0, kIgnoreIndex);
}

}  // namespace amem::train
