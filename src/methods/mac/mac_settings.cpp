#include "amem/methods/mac/mac_settings.h"

#include <sstream>

#include "amem/config/config_path.h"
#include "amem/core/error.h"
#include "amem/layers/rms_norm.h"
#include "amem/memory/aggregator.h"

namespace amem::methods {

void MacSettings::declare(config::Schema& schema) {
  schema.section("mac", "MAC: amortization and aggregation networks over a frozen base LM (the model section)")
      .optional<std::string>("amortizer", "T5 checkpoint folder of the amortization network (reads documents)")
      .optional<std::string>("question_encoder", "T5 checkpoint folder that reads questions; null: the amortizer's")
      .optional<std::string>("networks", "trained MAC networks to start from (a folder written by training)")
      .field<int64_t>("num_virtual_tokens", 12, "tokens of one context modulation")
      .at_least(1)
      .field<int64_t>("layer_num_virtual_tokens", 2, "prefix positions per base-LM layer")
      .at_least(1)
      .field<int64_t>("num_cross_attention_blocks", 4, "cross-attention blocks of the aggregation network")
      .at_least(1)
      .field<int64_t>("cross_attention_heads", 8, "heads of each cross-attention block")
      .at_least(1)
      .field<int64_t>("cross_attention_head_dim", 96, "width of each head")
      .at_least(1)
      .field<int64_t>("prefix_mlp_hidden", 768, "hidden width of the MLPs that make prefix keys and values")
      .at_least(1)
      .field<std::string>("aggregator", "hierarchical",
                          "how the aggregation network reads the selected memory, by registered name (" +
                              config::registered_names(memory::aggregator_registry()) +
                              "); hierarchical: MAC's (one read, or windows when a window is set)")
      .field<double>("dropout", 0.0, "dropout in the cross-attention blocks")
      .at_least(0)
      .below(1)
      .field<double>("lift_ratio", 1.0, "share of a batch's documents amortized with gradients (and questions asked)")
      .positive()
      .at_most(1)
      .field<std::string>("activation_checkpointing", "none",
                          "none | amortizer_encoder: recompute the amortizer's T5 encoder blocks during backward "
                          "instead of keeping their activations (less memory, one more encoder forward; same "
                          "values and gradients)")
      .one_of({"none", "amortizer_encoder"})
      .field<bool>("fused_rms_norm", false,
                   "the T5 networks' layer norms (T5LayerNorm, an RMS norm) as LibTorch's at::rms_norm instead "
                   "of the reference's pow/mean/rsqrt/mul (modeling_t5.py T5LayerNorm): one fused CUDA kernel "
                   "forward and one backward where LibTorch has them (2.9 and later), a composite of the same "
                   "steps from 2.4; refused before 2.4; float32 rounding (the mean is summed in another order) "
                   "(layers/rms_norm.h)")
      .field<bool>("gpt_drop", true, "run the base LM in train mode for the QA loss (GPT-2 dropout; LLaMA-family checkpoints have none)")
      .field<std::vector<int64_t>>("context_windows", std::vector<int64_t>{16, 32},
                                   "hierarchical-aggregation windows evaluated in validation")
      .at_least(2)
      .field<int64_t>("max_document_tokens", 1022, "documents are cut to this many T5 tokens (train.max_tokens: base-LM ones)")
      .at_least(2)
      .field<int64_t>("max_question_tokens", 128, "questions are cut to this many T5 tokens")
      .at_least(2)
      .field<bool>("decoder_masks_padding", true,
                   "the amortization networks' T5 decoders skip padding (false: read it, as the reference)")
      .field<int64_t>("pad_documents_to", 0, "documents are right-padded to this many T5 tokens; 0: to the batch's longest")
      .at_least(0)
      .field<std::string>("train_question_layout", "batch",
                          "T5 question tokens in training: batch | left_pad:N (reference: left_pad:104)")
      .field<std::string>("eval_question_layout", "batch",
                          "T5 question tokens when answering: batch | append_pads:N (reference: append_pads:128)")
      // Read by MacTrainingTask (ReferenceQaLayout::from): only training builds QA rows.
      .field<std::string>("qa_layout", "amem",
                          "base-LM QA rows in training: amem (train.max_tokens, batch-padded) | reference (fixed "
                          "mac.qa_tokens rows, the reference's cut rules, answer tokenized on its own)")
      .one_of({"amem", "reference"})
      .field<int64_t>("qa_tokens", 128, "mac.qa_layout reference: every QA row's width (the reference's max_question_len)")
      .at_least(2)
      .field<int64_t>("qa_answer_tokens", 24,
                      "mac.qa_layout reference: rows longer than mac.qa_tokens + this keep their last mac.qa_tokens "
                      "tokens, shorter ones are cut at the end (the reference's max_answer_len)")
      .at_least(0);
  config::declare_registered(memory::aggregator_registry(), schema);
}

void refuse_mac_keys_this_build_lacks(const config::Config& config) {
  if (config.get<bool>("mac.fused_rms_norm") && !layers::fused_rms_norm_available())
    throw ConfigError(config.source_of("mac.fused_rms_norm") +
                      ": mac.fused_rms_norm: needs LibTorch 2.4 or newer (at::rms_norm), and this build has " TORCH_VERSION
                      "; set it to false");
}

MacSettings MacSettings::from(const config::Config& config) {
  if (config.is_null("mac.amortizer"))
    throw ConfigError(config.source() + ": mac.amortizer: missing (a T5 checkpoint folder is needed)");
  MacSettings s;
  using config::PathKind;
  s.amortizer = config::existing_path(config, "mac.amortizer", PathKind::folder, "config.json");
  s.question_encoder = config.is_null("mac.question_encoder")
                           ? s.amortizer
                           : config::existing_path(config, "mac.question_encoder", PathKind::folder, "config.json");
  if (!config.is_null("mac.networks"))
    s.networks = config::existing_path(config, "mac.networks", PathKind::folder, "model.safetensors");
  s.num_virtual_tokens = config.get<int64_t>("mac.num_virtual_tokens");
  s.layer_num_virtual_tokens = config.get<int64_t>("mac.layer_num_virtual_tokens");
  s.num_cross_attention_blocks = config.get<int64_t>("mac.num_cross_attention_blocks");
  s.cross_attention_heads = config.get<int64_t>("mac.cross_attention_heads");
  s.cross_attention_head_dim = config.get<int64_t>("mac.cross_attention_head_dim");
  s.prefix_mlp_hidden = config.get<int64_t>("mac.prefix_mlp_hidden");
  s.dropout = config.get<double>("mac.dropout");
  s.aggregator = memory::make_aggregator(config);
  s.lift_ratio = config.get<double>("mac.lift_ratio");
  std::ostringstream lift;
  lift << s.lift_ratio;
  const auto batch = config.get<int64_t>("train.batch_size");
  if (double(batch) * s.lift_ratio < 1.0)
    throw ConfigError(config.source_of("mac.lift_ratio") + ": mac.lift_ratio: " + lift.str() + " of train.batch_size " +
                      std::to_string(batch) + " lifts no document; raise train.batch_size");
  s.checkpoint_amortizer_encoder = config.get<std::string>("mac.activation_checkpointing") == "amortizer_encoder";
  refuse_mac_keys_this_build_lacks(config);
  s.fused_rms_norm = config.get<bool>("mac.fused_rms_norm");
  s.gpt_drop = config.get<bool>("mac.gpt_drop");
  s.context_windows = config.get<std::vector<int64_t>>("mac.context_windows");
  s.max_document_tokens = config.get<int64_t>("mac.max_document_tokens");
  s.max_question_tokens = config.get<int64_t>("mac.max_question_tokens");
  s.cmt = cmt::CmtSettings::from(config);
  for (const auto& term : s.cmt.auxiliary_terms)
    if (term->name() == "self_matching" && batch < 2)
      throw ConfigError(config.source_of("train.batch_size") + ": train.batch_size: 1, but cmt.auxiliary_terms (" +
                        config.source_of("cmt.auxiliary_terms") +
                        ") has self_matching, whose repulsion compares a batch's memories and is empty for one; "
                        "use a batch of at least 2");
  s.decoder_masks_padding = config.get<bool>("mac.decoder_masks_padding");
  s.pad_documents_to = config.get<int64_t>("mac.pad_documents_to");
  s.train_question_layout = QuestionLayout::parse(config.get<std::string>("mac.train_question_layout"),
                                                  config.source_of("mac.train_question_layout") + ": mac.train_question_layout");
  s.eval_question_layout = QuestionLayout::parse(config.get<std::string>("mac.eval_question_layout"),
                                                 config.source_of("mac.eval_question_layout") + ": mac.eval_question_layout");
  return s;
}

QuestionLayout QuestionLayout::parse(const std::string& text, const std::string& key) {
  if (text == "batch") return {};
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  QuestionLayout layout;
  if (kind == "left_pad")
    layout.kind = Kind::kLeftPad;
  else if (kind == "append_pads")
    layout.kind = Kind::kAppendPads;
  const std::string count = colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool digits = !count.empty() && count.size() < 10 && count.find_first_not_of("0123456789") == std::string::npos;
  if (layout.kind == Kind::kBatch || !digits || std::stoll(count) < 1)
    throw ConfigError(key + ": expected batch, left_pad:N or append_pads:N (N >= 1), got '" + text + "'");
  layout.tokens = std::stoll(count);
  return layout;
}

}  // namespace amem::methods
