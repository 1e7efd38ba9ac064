// MAC (Tack et al., NeurIPS 2024, "Online Adaptation of Language Models with a Memory of
// Amortized Contexts") as one object: the frozen base LM, the trained networks (MacNetworks)
// and the tokenizers of the three models.
//
//   MacModel mac(MacSettings::from(config), ModelSettings::from(config));
//   auto bank = mac.amortize(documents);                  // [N, T, d]: the memory bank
//   auto modulation = mac.aggregate(questions, bank);     // [B, T, d]
//   auto prefix = mac.to_prefix(modulation);              // the base LM's P-tuning v2 prefix
//
// Nothing here switches gradients off: callers that only evaluate wrap calls in NoGradGuard.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/methods/mac/mac_networks.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/models/causal_lm.h"
#include "amem/models/kv_cache.h"
#include "amem/models/model_settings.h"
#include "amem/text/tokenizer.h"

namespace amem::methods {

// A right-padded batch of T5 token ids and its mask (1 token, 0 padding), both [B, L].
struct T5Tokens {
  torch::Tensor ids, mask;
};

class MacModel {
 public:
  // Whether the base LM's weights are loaded. Amortizing documents into a bank (amem memory
  // build) needs only its sizes: kShapeOnly reads its config.json, and base_lm() then throws.
  enum class BaseLm { kLoad, kShapeOnly };

  // Loads the base LM (frozen, eval mode) as `base` says, and both T5 checkpoints (trainable,
  // float32, on the base LM's device, in eval mode; bf16 comes from autocast). With
  // mac.networks set, every trained tensor is then read from that folder (see save_networks).
  MacModel(const MacSettings& settings, const models::ModelSettings& base, BaseLm base_lm = BaseLm::kLoad);

  // Documents -> their context modulations [N, T, d].
  torch::Tensor amortize(const std::vector<std::string>& documents);
  // Questions read a memory bank [N, T, d] -> one modulation per question [B, T, d]: the entries
  // the selector (cmt.selector; all: every one) keeps for each question. With a window, more
  // entries than it are aggregated hierarchically (hierarchical_aggregation.h).
  torch::Tensor aggregate(const std::vector<std::string>& questions, const torch::Tensor& bank,
                          std::optional<int64_t> window = std::nullopt);
  // Modulations [B, T, d] -> the prefix of B rows, in the base LM's dtype.
  models::Prefix to_prefix(const torch::Tensor& modulation);

  // Documents cut to mac.max_document_tokens, right-padded to mac.pad_documents_to or further.
  T5Tokens document_tokens(const std::vector<std::string>& documents) const;
  // Which of the question layouts of MacSettings applies.
  enum class QuestionUse { kTraining, kAnswering };
  // Questions laid out as mac.train_question_layout (kTraining) or mac.eval_question_layout.
  T5Tokens question_tokens(const std::vector<std::string>& questions, QuestionUse use = QuestionUse::kAnswering) const;

  // `dir`/model.safetensors: the networks' parameters (never the base LM's).
  void save_networks(const std::string& dir) const;
  // Reads every tensor save_networks wrote; missing or misshapen ones are amem::Error.
  void load_networks(const std::string& dir);

  const MacSettings& settings() const { return settings_; }
  MacNetworks& networks() { return networks_; }
  models::CausalLm& base_lm();
  const std::shared_ptr<models::CausalLm>& base_lm_ptr() const { return base_lm_; }
  const std::shared_ptr<const text::Tokenizer>& base_tokenizer() const { return base_tokenizer_; }
  torch::Device device() const { return device_; }

 private:
  MacSettings settings_;
  torch::Device device_;
  torch::ScalarType base_dtype_;  // the prefix's dtype
  std::shared_ptr<models::CausalLm> base_lm_;  // null with BaseLm::kShapeOnly
  std::shared_ptr<const text::Tokenizer> base_tokenizer_, document_tokenizer_, question_tokenizer_;
  MacNetworks networks_{nullptr};
};

// Right-padded T5 tokens of `texts` (train::text_batch, EOS appended as T5 does and kept when
// a text is cut to max_tokens), padded with the tokenizer's PAD id, on `device`.
T5Tokens t5_tokens(const text::Tokenizer& tokenizer, const std::vector<std::string>& texts, int64_t max_tokens,
                   torch::Device device);

}  // namespace amem::methods
