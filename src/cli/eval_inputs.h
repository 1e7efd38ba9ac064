// What `amem eval` reads and checks before its run folder exists, models aside: the settings,
// the stream, the retention range and the distractor pool. `amem sweep` builds it for every
// cell before any cell runs, so that a data or multi-key mistake (a missing distractor file, a
// fraction the file cannot fill, a retention range past the stream) stops the sweep up front.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "amem/config/config.h"
#include "amem/data/data_settings.h"
#include "amem/data/qa_dataset.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/stream_protocols.h"

namespace amem::cli {

// `config` itself, after checking that no train.* key was given as an override: `amem
// <command>` trains nothing, so one would change nothing (`what_it_reads` says what the user may
// have meant). Keys a config file sets are left alone: eval configs compose files that training
// configs share. amem::ConfigError naming the override otherwise.
const config::Config& refuse_training_overrides(const config::Config& config, const std::string& command,
                                                const std::string& what_it_reads);

class EvalInputs {
 public:
  // Reads data.test (as the stream), eval.distractors' file; amem::ConfigError / amem::Error as
  // the settings and readers throw them, and amem::ConfigError for a train.* key given as an
  // override (an eval trains nothing).
  explicit EvalInputs(const config::Config& config);
  EvalInputs(const EvalInputs&) = delete;  // the distractor pool refers to the stream
  EvalInputs& operator=(const EvalInputs&) = delete;

  data::DataSettings data;
  eval::EvalSettings eval;
  uint64_t seed;
  data::QADataset stream;
  std::optional<eval::DistractorPool> distractors;
};

}  // namespace amem::cli
