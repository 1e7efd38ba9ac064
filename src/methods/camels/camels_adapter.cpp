#include "amem/methods/camels/camels_adapter.h"

#include "amem/core/error.h"
#include "amem/methods/camels/camels_meta_step.h"

namespace amem::methods::camels {

CamelsAdapter::CamelsAdapter(std::shared_ptr<models::CausalLm> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                             std::shared_ptr<WeightModelImpl> weight_model, const AdaptSettings& settings,
                             const eval::AnswerOptions& answer, LightTuneData light_tune)
    : UniformFineTuning(std::move(model), tokenizer, settings, answer, std::move(light_tune)),
      weight_model_(std::move(weight_model)) {
  check_weight_model_reads(*weight_model_, *tokenizer);
}

torch::Tensor CamelsAdapter::document_loss(const torch::Tensor& ids, const torch::Tensor& logits,
                                           const torch::Tensor& labels) {
  torch::Tensor weights;
  {
    torch::NoGradGuard no_grad;
    const auto on_weight_model = ids.to(weight_model_->device());
    weights = weight_model_->forward(on_weight_model, torch::ones_like(on_weight_model)).to(logits.device());
  }
  return weighted_lm_loss(logits, labels, weights);
}

void check_weight_model_reads(const WeightModelImpl& weight_model, const text::Tokenizer& tokenizer) {
  if (tokenizer.vocab_size() > weight_model.vocab_size())
    throw Error("camels: the weight model reads the base LM's token ids, but its vocabulary (" +
                std::to_string(weight_model.vocab_size()) + ") is smaller than the tokenizer's (" +
                std::to_string(tokenizer.vocab_size()) + ")");
}

}  // namespace amem::methods::camels
