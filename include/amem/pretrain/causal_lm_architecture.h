// A new causal LM from pretrain.architecture: its config.json (the keys set, the family's
// transformers defaults for the rest, the vocabulary and special ids from the tokenizer), and
// the model built from it with the initialisation transformers gives a model made from a
// config (hf_initialization.h).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "amem/models/causal_lm.h"
#include "amem/text/tokenizer.h"

namespace amem::pretrain {

// The complete config.json of the new model: model_type (gpt2 or llama), every size the
// family's loader reads (unset keys at transformers' GPT2Config / LlamaConfig defaults),
// vocab_size (the tokenizer's size when unset), initializer_range, and bos/eos_token_id from
// the tokenizer, as transformers writes them. Errors (amem::ConfigError naming the
// pretrain.architecture key): a key the family does not read, vocab_size below the tokenizer's size,
// a size the family's config reader refuses (e.g. n_head not dividing n_embd), a tokenizer
// without EOS (packing needs it).
nlohmann::json causal_lm_config(const nlohmann::json& architecture, const text::Tokenizer& tokenizer);

// The model config.json describes (float32, on the CPU, trainable, in train mode), initialised
// by hf_initialization.h from torch's global generator.
std::shared_ptr<models::CausalLm> build_causal_lm(const nlohmann::json& config_json);

}  // namespace amem::pretrain
