// Decoding continuations from a causal LM: greedy search and beam search with a KV cache,
// over a left-padded batch, optionally under a P-tuning v2 prefix. Both reproduce what
// transformers' generate() returns for the same settings (do_sample=False).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "amem/models/causal_lm.h"
#include "amem/text/tokenizer.h"

namespace amem::generation {

struct GenerationOptions {
  int64_t max_new_tokens = 16;
  std::vector<int64_t> eos_ids;  // a row stops at any of them; empty: only max_new_tokens
  int64_t pad_id = 0;            // fills rows that finished early
  int64_t num_beams = 1;         // beam search only
  double length_penalty = 1.0;   // beam score = sum of log-probs / length^length_penalty
  bool early_stopping = false;   // beam search stops once num_beams hypotheses are finished
  int64_t num_beam_groups = 1;   // group_beam_search only (group_beam_search.h)
  double diversity_penalty = 0;  // group_beam_search only: subtracted per earlier-group choice of a token
};

// Stops at the tokenizer's EOS and pads with its PAD id (falling back to EOS, then 0, as
// checkpoints without a pad token are generated with pad = eos).
inline void use_special_tokens(GenerationOptions& options, const text::SpecialTokens& special) {
  options.eos_ids.clear();
  if (special.eos) options.eos_ids.push_back(*special.eos);
  options.pad_id = special.pad.value_or(special.eos.value_or(0));
}

// The prompt: ids [B, L] left-padded, mask [B, L] (1 real, 0 padding), and optionally a prefix
// whose tensors have B rows (prefix row i modulates prompt row i).
//
// contrast_alpha > 0 (with a prefix) decodes on CMT's memory-aware logits (Li et al., AAAI 2025,
// "memory-aware objective", used at answer time): every step the model runs twice, under the
// prefix and without any prefix (each with its own KV cache), and the next token is chosen on
//   (1 + α) · l(· | prefix, prompt) − α · l(· | prompt)
// (log-softmax of that for beam scores), the logits methods/cmt/memory_aware.h trains on.
// 0: the prefix's logits alone, bit for bit as without the field.
struct Prompt {
  torch::Tensor ids, mask;
  const models::Prefix* prefix = nullptr;
  double contrast_alpha = 0;
};

// New tokens only, [B, T] with T <= max_new_tokens: the longest row's length; rows that ended
// earlier (at an EOS, which is kept) are filled with pad_id. Runs under NoGradGuard.
torch::Tensor greedy_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options);

// The best hypothesis of each row, same layout as greedy_search.
torch::Tensor beam_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options);

}  // namespace amem::generation
