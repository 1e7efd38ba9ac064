// The `eval` section of a config: how `amem eval` adapts to the stream and answers.
#pragma once

#include <cstdint>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::eval {

struct EvalSettings {
  std::string adapter;     // none, uniform, salient or camels (methods/make_adapter.h)
  int64_t max_new_tokens;  // greedy answer length; MAC and CaMeLS use 16 to 24
  int64_t batch_size;      // questions answered per generation batch

  static void declare(config::Schema& schema);
  static EvalSettings from(const config::Config& config);
};

}  // namespace amem::eval
