// The `camels` section of a config: CaMeLS's weight model, its meta-training objective
// (`amem train`), and how the online evaluation uses it (eval.adapter: camels).
#pragma once

#include <cstdint>
#include <string>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::methods::camels {

struct CamelsSettings {
  std::string weight_model_path;  // a saved weight model, or a checkpoint folder (distilgpt2) for a fresh one
  bool freeze_body;               // train the head only
  bool normalize_weights;         // weights rescaled to mean 1 over each document's real tokens
  bool untrained_head;            // evaluation may use a weight model whose head was never trained
  double inner_lr;                // the base LM's SGD step on each document in meta-training
  bool sequential_update;         // one inner step per document (else one on the whole batch)
  int64_t reset_base_freq;        // documents after which the base LM returns to its starting weights
  double c_kl;                    // weight of KL(base ‖ updated) on the locality text
  double c_norm;                  // weight of the Lp norm of (weights − 1)
  double norm_p;                  // p of that norm
  std::string locality_path;      // unrelated text, one passage per line; empty: training documents
  int64_t locality_batch_size;    // locality passages per meta step

  static void declare(config::Schema& schema);
  static CamelsSettings from(const config::Config& config);
};

}  // namespace amem::methods::camels
