#include "amem/methods/uniform_fine_tuning.h"

#include <algorithm>

#include "amem/methods/fine_tuning_optimizer.h"
#include "amem/train/finite_step.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

UniformFineTuning::UniformFineTuning(std::shared_ptr<models::CausalLm> model,
                                     std::shared_ptr<const text::Tokenizer> tokenizer,
                                     const AdaptSettings& settings, const eval::AnswerOptions& answer,
                                     LightTuneData light_tune)
    : tokenizer_(tokenizer),
      model_(model),
      settings_(settings),
      optimizer_(make_fine_tuning_optimizer(*model, settings.optimizer, settings.lr)),
      answerer_(model, tokenizer, answer),
      light_tune_(std::move(light_tune), settings) {}

torch::Tensor UniformFineTuning::document_ids(const data::Document& document) const {
  auto ids = tokenizer_->encode_for_model(document.text);
  const int64_t limit = std::min(settings_.max_document_tokens, model_->shape().max_positions);
  if (int64_t(ids.size()) > limit) ids.resize(size_t(limit));
  const auto device = model_->parameters().front().device();
  return torch::tensor(ids, torch::kLong).view({1, -1}).to(device);
}

torch::Tensor UniformFineTuning::labels(const data::Document&, const torch::Tensor& ids) const { return ids; }

torch::Tensor UniformFineTuning::document_loss(const torch::Tensor&, const torch::Tensor& logits,
                                               const torch::Tensor& labels) {
  return train::lm_loss(logits, labels);
}

void UniformFineTuning::absorb(const data::Document& document) {
  const auto ids = document_ids(document);
  if (ids.size(1) < 2) return;  // nothing to predict
  const auto target = labels(document, ids);
  // No token the loss counts beyond the first: the mean would be 0/0.
  if ((target.slice(1, 1) != train::kIgnoreIndex).sum().item<int64_t>() == 0) return;
  model_->eval();
  const auto trainable = trainable_parameters(*model_);
  for (int64_t step = 0; step < settings_.steps_per_document; ++step) {
    optimizer_->zero_grad();
    const auto loss = document_loss(ids, model_->forward(ids, {}, {}, nullptr), target);
    loss.backward();
    optimizer_->step();
    train::check_finite_step("document '" + document.id + "': " + name() + " adaptation step " + std::to_string(step + 1) +
                                 " of " + std::to_string(settings_.steps_per_document),
                             loss, trainable);
  }
}

void UniformFineTuning::finish_stream() { light_tune_.run(*model_, *tokenizer_); }

std::vector<std::string> UniformFineTuning::answer(const std::vector<data::Question>& questions) {
  return answerer_.answer(questions);
}

}  // namespace amem::methods
