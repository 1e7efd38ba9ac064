#include "amem/methods/qa_light_tune.h"

#include "amem/core/error.h"
#include "amem/methods/fine_tuning_optimizer.h"
#include "amem/models/causal_lm.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/finite_step.h"
#include "amem/train/lm_batch.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

QaLightTune::QaLightTune(LightTuneData data, const AdaptSettings& settings)
    : data_(std::move(data)), settings_(settings) {
  if (settings_.light_tune_steps > 0 && data_.pairs.empty())
    throw Error("adapt.light_tune_steps = " + std::to_string(settings_.light_tune_steps) +
                ": no training QA pairs to light-tune on (data.train_path)");
}

void QaLightTune::run(models::CausalLm& model, const text::Tokenizer& tokenizer) const {
  if (settings_.light_tune_steps == 0) return;
  auto optimizer = make_fine_tuning_optimizer(model, settings_.optimizer, settings_.light_tune_lr);
  train::EpochSampler sampler(data_.pairs.size(), size_t(settings_.light_tune_batch_size), data_.seed);
  const auto device = model.parameters().front().device();
  model.eval();  // no dropout, as in the document steps
  const auto trainable = trainable_parameters(model);
  for (int64_t step = 0; step < settings_.light_tune_steps; ++step) {
    std::vector<const data::Question*> questions;
    for (const size_t i : sampler.next()) questions.push_back(&data_.pairs[i]);
    const auto batch = train::qa_batch(tokenizer, questions, model.shape().max_positions).to(device);
    optimizer->zero_grad();
    const auto logits = model.forward(batch.input_ids, batch.attention_mask, {}, nullptr);
    const auto loss = train::lm_loss(logits, batch.labels);
    loss.backward();
    optimizer->step();
    train::check_finite_step("QA light-tune step " + std::to_string(step + 1) + " of " +
                                 std::to_string(settings_.light_tune_steps),
                             loss, trainable);
  }
}

}  // namespace amem::methods
