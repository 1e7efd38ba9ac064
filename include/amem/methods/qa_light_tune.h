// The QA light-tune of the fine-tuning baselines, an optional step of the CaMeLS / MAC
// protocol: once the whole stream is absorbed and before any question is answered, the
// adapted LM takes adapt.light_tune_steps optimiser steps (a fresh adapt.optimizer at
// adapt.light_tune_lr) with the answer-only QA loss (train/lm_batch.h) on batches of
// *training* QA pairs (data.train_path, never the test questions), so that after the
// documents' language-modelling steps it still answers in the datasets' short-answer format.
#pragma once

#include <cstdint>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/methods/adapt_settings.h"

namespace amem::models {
class CausalLm;
}
namespace amem::text {
class Tokenizer;
}

namespace amem::methods {

// The training QA pairs (each with its `target` answer) and the seed of the order the steps
// draw them in (epochs of a seeded shuffle, train/epoch_sampler.h).
struct LightTuneData {
  std::vector<data::Question> pairs;
  uint64_t seed = 0;
};

class QaLightTune {
 public:
  // Throws amem::Error when settings.light_tune_steps > 0 and there are no pairs, so that a
  // run stops before it absorbs the stream rather than after.
  QaLightTune(LightTuneData data, const AdaptSettings& settings);

  // Takes the steps on `model` (trainable); nothing when light_tune_steps is 0. Examples are
  // cut to the model's context.
  void run(models::CausalLm& model, const text::Tokenizer& tokenizer) const;

 private:
  LightTuneData data_;
  AdaptSettings settings_;
};

}  // namespace amem::methods
