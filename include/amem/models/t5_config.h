// The fields of a Hugging Face T5 `config.json` that amem's T5 uses (T5 v1.0, v1.1, FLAN-T5).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "amem/io/safetensors.h"
#include "amem/models/hf_config.h"

namespace amem::models {

struct T5Config {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t d_kv = 0;  // per-head width; heads * d_kv need not equal d_model
  int64_t d_ff = 0;
  int64_t num_layers = 0;
  int64_t num_decoder_layers = 0;
  int64_t num_heads = 0;
  int64_t relative_attention_num_buckets = 0;
  int64_t relative_attention_max_distance = 0;
  double layer_norm_epsilon = 0;
  // Dropout in train mode, where transformers applies it (embeddings, attention probabilities,
  // each sub-layer's output, the feed-forward's hidden layer, the stack's output). MAC trains
  // its T5 networks with it; evaluation (eval mode) never drops.
  double dropout_rate = 0;
  // From `feed_forward_proj`: "relu" / "gelu" give one input projection `wi`; "gated-gelu" /
  // "gated-silu" give two (`wi_0` through the activation, times `wi_1`).
  bool gated_feed_forward = false;
  std::string activation;  // name for layers::activation_by_name ("gated-gelu" uses gelu_new)
  std::string feed_forward_proj = "relu";  // config.json's name of the two fields above
  // The scale of the Hugging Face initialisation (models/t5_init.h); 1 but in transformers' tests.
  double initializer_factor = 1.0;
  bool tie_word_embeddings = true;
  // Whether the decoder output is scaled by d_model^-0.5 before the vocabulary projection.
  // transformers 5 writes it; older configs imply it from tie_word_embeddings.
  bool scale_decoder_outputs = true;
  int64_t decoder_start_token_id = 0;
  int64_t eos_token_id = 1;
  int64_t pad_token_id = 0;
};

// Reads `<dir>/config.json`. A missing key, a value of the wrong type, or an unknown
// feed_forward_proj throws amem::Error "<path>: key '<key>': ...".
T5Config read_t5_config(const std::string& dir);

// The same from config.json's keys held in `json` (errors name json.path()).
T5Config parse_t5_config(const HfConfig& json);

// The config.json transformers' T5Config.save_pretrained writes for `config` (model_type "t5",
// architectures, every size and id, feed_forward_proj, tie_word_embeddings and
// scale_decoder_outputs), which parse_t5_config reads back as `config`. The "dtype" key is the
// saver's to add.
nlohmann::json t5_config_json(const T5Config& config);

// Before building: every size of `config` (read from `dir`) against the checkpoint's tensors
// (models/config_shape_check.h); the decoder's only `with_decoder`. amem::Error naming the key.
void check_t5_shapes(const T5Config& config, const std::string& dir, const io::SafetensorsCheckpoint& checkpoint,
                     bool with_decoder);

}  // namespace amem::models
