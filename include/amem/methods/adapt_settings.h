// The `adapt` section of a config: the optimiser of the fine-tuning baselines, which take
// gradient steps on each document as it arrives.
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
  int64_t max_document_tokens;  // documents are cut to this many tokens (the model's context bounds it)

  static void declare(config::Schema& schema);
  static AdaptSettings from(const config::Config& config);
};

}  // namespace amem::methods
