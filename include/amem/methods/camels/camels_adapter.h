// CaMeLS in the online evaluation ("camels"): as each document arrives, the trained weight model
// scores its tokens and the base LM takes adapt.steps_per_document optimiser steps (adapt.lr,
// adapt.optimizer; the reference uses Adam) on the token-weighted loss; the questions are then
// answered by the adapted LM. Everything else is the uniform fine-tuning baseline's.
#pragma once

#include <memory>

#include "amem/methods/camels/weight_model.h"
#include "amem/methods/uniform_fine_tuning.h"

namespace amem::methods::camels {

class CamelsAdapter : public UniformFineTuning {
 public:
  // `model` must be trainable; `weight_model` reads the same token ids (same tokenizer).
  CamelsAdapter(std::shared_ptr<models::CausalLm> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                std::shared_ptr<WeightModelImpl> weight_model, const AdaptSettings& settings, const eval::AnswerOptions& answer,
                LightTuneData light_tune = {});

  std::string name() const override { return "camels"; }

 protected:
  torch::Tensor document_loss(const torch::Tensor& ids, const torch::Tensor& logits,
                              const torch::Tensor& labels) override;

 private:
  std::shared_ptr<WeightModelImpl> weight_model_;
};

// Checks that `weight_model` can read ids of `tokenizer`: amem::Error naming both sizes if the
// tokenizer's vocabulary is larger than the weight model's.
void check_weight_model_reads(const WeightModelImpl& weight_model, const text::Tokenizer& tokenizer);

}  // namespace amem::methods::camels
