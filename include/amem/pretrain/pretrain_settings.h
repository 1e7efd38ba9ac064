// The `pretrain` section of a config: what `amem pretrain` trains (the objective and the
// architecture of the new model), on which text, with which tokenizer. The optimisation is the
// shared `train` section (train/train_settings.h); where the model runs is model.device.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::pretrain {

struct PretrainSettings {
  std::string objective;                // a name of the table in pretraining_objectives.h
  std::vector<std::string> text_paths;  // plain text or .xz files, documents between blank lines
  std::string tokenizer;                // a folder load_tokenizer reads (text/tokenizer.h)
  int64_t sequence_length;              // tokens per packed training sequence
  int64_t val_documents;                // documents held out for validation
  uint64_t val_seed;                    // which documents are held out
  int64_t max_documents;                // the first N documents of the text; -1: all
  int64_t threads;                      // tokenization threads; 0: one per core
  // The keys set under pretrain.architecture (config.json keys of the new model; null ones
  // left out, so the objective fills in the family's defaults), model_type included.
  nlohmann::json architecture;

  static void declare(config::Schema& schema);
  // Errors: a text file or the tokenizer folder missing, no pretrain.text_paths, or no
  // pretrain.architecture.model_type: amem::ConfigError naming the key.
  static PretrainSettings from(const config::Config& config);
};

}  // namespace amem::pretrain
