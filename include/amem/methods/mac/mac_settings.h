// The `mac` section of a config: MAC's networks (their T5 checkpoints and sizes) and how they
// are meta-trained. The frozen base LM is the `model` section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/memory/aggregator.h"
#include "amem/methods/cmt/cmt_settings.h"

namespace amem::methods {

// How the question encoder's T5 tokens are laid out (docs/reference_protocol.md §8). kBatch is
// amem's: cut at mac.max_question_tokens, right-padded to the batch's longest. The reference
// (M:common/dataset.py:108-121) left-pads training questions to a fixed length (cut to it,
// EOS kept) and appends a fixed number of pads to whole, uncut evaluation questions.
struct QuestionLayout {
  enum class Kind { kBatch, kLeftPad, kAppendPads };
  Kind kind = Kind::kBatch;
  int64_t tokens = 0;  // kLeftPad: the fixed width; kAppendPads: pads after each question

  // "batch", "left_pad:N" or "append_pads:N" (N >= 1); anything else is amem::ConfigError
  // naming `key`.
  static QuestionLayout parse(const std::string& text, const std::string& key);
};

// mac.* keys this build cannot honour (mac.fused_rms_norm without at::rms_norm): amem::ConfigError
// naming the key. MacSettings::from calls it; `amem sweep` calls it on every cell before any runs.
void refuse_mac_keys_this_build_lacks(const config::Config& config);

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
  std::shared_ptr<const memory::Aggregator> aggregator;  // mac.aggregator: how the network reads the selected memory
  double lift_ratio;                      // share of a batch's documents amortized with gradients
  bool gpt_drop;                          // base LM in train mode (its dropout on) for the QA loss
  // mac.activation_checkpointing: amortizer_encoder. The amortizer's encoder reads whole documents
  // and holds most of the step's activations; its decoder reads the few query vectors and the
  // question encoder short questions, so they are not checkpointed.
  bool checkpoint_amortizer_encoder = false;
  bool fused_rms_norm = false;  // the T5s' RMS norms as at::rms_norm (layers/rms_norm.h)
  std::vector<int64_t> context_windows;   // hierarchical-aggregation windows validated besides the plain one
  int64_t max_document_tokens;            // T5 document tokens (base-LM sequences: train.max_tokens)
  int64_t max_question_tokens;            // T5 question tokens (aggregation)
  amem::methods::cmt::CmtSettings cmt;    // CMT's selector and objective terms (the cmt section; defaults: MAC)
  // Padding the amortization networks read (docs/reference_protocol.md §8; defaults: amem's).
  bool decoder_masks_padding;             // T5 decoder cross-attention skips pads (reference: reads them)
  int64_t pad_documents_to;               // documents right-padded to this many T5 tokens; 0: the batch's longest
  QuestionLayout train_question_layout;   // questions of training batches (and validation losses)
  QuestionLayout eval_question_layout;    // questions answered from a memory (eval, validation generation)

  static void declare(config::Schema& schema);
  // Throws amem::ConfigError when `mac.amortizer` is missing, a value is out of range, or a
  // batch would lift no document (train.batch_size x mac.lift_ratio < 1); reads the cmt section
  // too (CmtSettings::from).
  static MacSettings from(const config::Config& config);
};

}  // namespace amem::methods
