// A new T5 from pretrain.architecture (model_type t5): its config.json, with transformers'
// T5Config defaults for the keys not set (t5-small's shape: d_model 512, d_kv 64, d_ff 2048,
// 6 + 6 layers, 8 heads, 32 position buckets up to distance 128, dropout 0.1, relu, layer norm
// epsilon 1e-6, initializer_factor 1), the vocabulary and special ids from the tokenizer.
#pragma once

#include <nlohmann/json.hpp>

#include "amem/models/t5.h"
#include "amem/text/tokenizer.h"

namespace amem::pretrain {

// The complete config.json (models::t5_config_json's keys). vocab_size defaults to the
// tokenizer's pieces plus T5's 100 sentinels (as run_t5_mlm_flax.py sizes the model by
// len(tokenizer)); pad_token_id, eos_token_id and decoder_start_token_id (= pad, as T5) come
// from the tokenizer. Errors (amem::ConfigError naming the pretrain.architecture key): a key T5
// does not read (another family's), vocab_size below the tokenizer's pieces + 100 sentinels,
// tie_word_embeddings false (transformers 5's T5Config ties the output layer to `shared`
// whatever config.json says, so an untied model would not load as trained), a value
// models::parse_t5_config refuses, a tokenizer without pad or EOS.
nlohmann::json t5_pretraining_config(const nlohmann::json& architecture, const text::Tokenizer& tokenizer);

// The T5 config.json describes (float32, on the CPU, trainable), initialised as transformers
// initialises a new T5 (models/t5_init.h) from torch's global generator.
models::T5ForConditionalGeneration build_t5(const nlohmann::json& config_json);

}  // namespace amem::pretrain
