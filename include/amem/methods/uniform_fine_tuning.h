// The fine-tuning baseline of CaMeLS and MAC ("uniform"): every document, as it arrives,
// gets `steps_per_document` optimiser steps on its language-modelling loss, every token
// weighted alike; the questions are then answered by the fine-tuned LM. The optimiser (and
// Adam's moments) carries over along the stream. The model is kept in eval mode, so dropout
// is off and a seed gives the same run every time. With adapt.light_tune_steps > 0 the LM is
// QA light-tuned on training pairs after the stream (qa_light_tune.h).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "amem/eval/adapter.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/methods/adapt_settings.h"
#include "amem/methods/qa_light_tune.h"
#include "amem/models/causal_lm.h"
#include "amem/text/tokenizer.h"

namespace amem::methods {

class UniformFineTuning : public eval::Adapter {
 public:
  // `model` must be trainable (models::LoadOptions::trainable). `light_tune` is only read
  // when settings.light_tune_steps > 0, and must then hold pairs (amem::Error otherwise).
  UniformFineTuning(std::shared_ptr<models::CausalLm> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                    const AdaptSettings& settings, const eval::AnswerOptions& answer, LightTuneData light_tune = {});

  std::string name() const override { return "uniform"; }
  void absorb(const data::Document& document) override;
  void finish_stream() override;
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override;
  const text::Tokenizer& answer_tokenizer() const override { return *tokenizer_; }

  // The document's tokens as the model is trained on them: encode_for_model, cut to
  // max_document_tokens or the model's context, whichever is shorter. [1, L] on the model's
  // device.
  torch::Tensor document_ids(const data::Document& document) const;

 protected:
  // Which tokens the loss counts: labels [1, L] for ids [1, L], -100 where ignored.
  virtual torch::Tensor labels(const data::Document& document, const torch::Tensor& ids) const;
  // The loss one optimiser step minimises, from the model's logits [1, L, V] on ids [1, L]: the
  // mean over the labelled tokens. CaMeLS weights the tokens instead.
  virtual torch::Tensor document_loss(const torch::Tensor& ids, const torch::Tensor& logits,
                                      const torch::Tensor& labels);
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  std::shared_ptr<models::CausalLm> model_;
  AdaptSettings settings_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  eval::GreedyAnswerer answerer_;
  QaLightTune light_tune_;
};

}  // namespace amem::methods
