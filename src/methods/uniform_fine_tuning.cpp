#include "amem/methods/uniform_fine_tuning.h"

#include "amem/core/error.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& model, const AdaptSettings& settings) {
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) trainable.push_back(p);
  if (trainable.empty()) throw Error("fine-tuning: the model has no trainable parameters (load it trainable)");
  if (settings.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(trainable, torch::optim::SGDOptions(settings.lr));
  return std::make_unique<torch::optim::Adam>(trainable, torch::optim::AdamOptions(settings.lr));
}

}  // namespace

UniformFineTuning::UniformFineTuning(std::shared_ptr<models::CausalLm> model,
                                     std::shared_ptr<const text::Tokenizer> tokenizer,
                                     const AdaptSettings& settings, int64_t max_new_tokens)
    : tokenizer_(tokenizer),
      model_(model),
      settings_(settings),
      optimizer_(make_optimizer(*model, settings)),
      answerer_(model, tokenizer, max_new_tokens) {}

torch::Tensor UniformFineTuning::document_ids(const data::Document& document) const {
  auto ids = tokenizer_->encode_for_model(document.text);
  if (int64_t(ids.size()) > settings_.max_document_tokens) ids.resize(size_t(settings_.max_document_tokens));
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
  for (int64_t step = 0; step < settings_.steps_per_document; ++step) {
    optimizer_->zero_grad();
    const auto loss = document_loss(ids, model_->forward(ids, {}, {}, nullptr), target);
    loss.backward();
    optimizer_->step();
  }
}

std::vector<std::string> UniformFineTuning::answer(const std::vector<data::Question>& questions) {
  return answerer_.answer(questions);
}

}  // namespace amem::methods
