// The `adapt` section of a config: the optimiser of the fine-tuning baselines, which take
// gradient steps on each document as it arrives, and their optional QA light-tune once the
// stream is absorbed (qa_light_tune.h).
#pragma once

#include <cstdint>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::methods {

struct AdaptSettings {
  double lr;
  int64_t steps_per_document;
  std::string optimizer;        // sgd or adam
  int64_t max_document_tokens;  // documents are cut to this many tokens or the model's context
  int64_t light_tune_steps = 0;  // 0: no light-tune
  double light_tune_lr = 1e-5;
  int64_t light_tune_batch_size = 8;

  static void declare(config::Schema& schema);
  static AdaptSettings from(const config::Config& config);
};

}  // namespace amem::methods
