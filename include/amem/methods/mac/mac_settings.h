// The `mac` section of a config: MAC's networks (their T5 checkpoints and sizes) and how they
// are meta-trained. The frozen base LM is the `model` section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/methods/cmt/cmt_settings.h"

namespace amem::methods {

struct MacSettings {
  std::string amortizer;                  // T5 checkpoint folder that reads documents
  std::string question_encoder;           // T5 checkpoint folder that reads questions
  std::optional<std::string> networks;    // trained networks to start from (a saved MAC model folder)
  int64_t num_virtual_tokens;             // T: tokens of a context modulation
  int64_t layer_num_virtual_tokens;       // P: prefix positions per base-LM layer
  int64_t num_cross_attention_blocks;
  int64_t cross_attention_heads;
  int64_t cross_attention_head_dim;
  int64_t prefix_mlp_hidden;
  double dropout;
  double lift_ratio;                      // share of a batch's documents amortized with gradients
  bool gpt_drop;                          // base LM in train mode (its dropout on) for the QA loss
  std::vector<int64_t> context_windows;   // hierarchical-aggregation windows validated besides the plain one
  int64_t max_document_tokens;            // T5 document tokens (base-LM sequences: train.max_tokens)
  int64_t max_question_tokens;            // T5 question tokens (aggregation)
  amem::methods::cmt::CmtSettings cmt;    // CMT's selector and objective terms (the cmt section; defaults: MAC)

  static void declare(config::Schema& schema);
  // Throws amem::ConfigError when `mac.amortizer` is missing, a value is out of range, or a
  // batch would lift no document (train.batch_size x mac.lift_ratio < 1); reads the cmt section
  // too (CmtSettings::from).
  static MacSettings from(const config::Config& config);
};

}  // namespace amem::methods
