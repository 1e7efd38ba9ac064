#include "amem/pretrain/t5_architecture.h"

#include <string>

#include "amem/core/error.h"
#include "amem/models/hf_config.h"
#include "amem/models/t5_init.h"
#include "amem/pretrain/t5_span_corruption.h"

namespace amem::pretrain {

namespace {

constexpr const char* kWhere = "pretrain.architecture";

// transformers' T5Config defaults (configuration_t5.py), for the keys T5 reads.
nlohmann::json t5_defaults() {
  return {{"d_model", 512},
          {"d_kv", 64},
          {"d_ff", 2048},
          {"num_layers", 6},
          {"num_heads", 8},
          {"relative_attention_num_buckets", 32},
          {"relative_attention_max_distance", 128},
          {"dropout_rate", 0.1},
          {"layer_norm_epsilon", 1e-6},
          {"initializer_factor", 1.0},
          {"feed_forward_proj", "relu"},
          {"tie_word_embeddings", true}};
}

[[noreturn]] void refuse(const std::string& key, const std::string& what) {
  throw ConfigError(std::string(kWhere) + "." + key + ": " + what);
}

}  // namespace

nlohmann::json t5_pretraining_config(const nlohmann::json& architecture, const text::Tokenizer& tokenizer) {
  const auto& special = tokenizer.special();
  if (!special.pad || !special.eos)
    throw ConfigError("pretrain.tokenizer: T5 needs a tokenizer with a padding and an end-of-sequence token "
                      "(T5's spiece.model has <pad> 0 and </s> 1)");
  nlohmann::json json = t5_defaults();
  json["num_decoder_layers"] = nullptr;  // as many as num_layers unless set
  const int64_t needed_vocab = tokenizer.vocab_size() + kT5ExtraIds;
  json["vocab_size"] = needed_vocab;
  std::string t5_keys;
  for (const auto& item : json.items()) t5_keys += (t5_keys.empty() ? "" : ", ") + item.key();
  for (const auto& [key, value] : architecture.items()) {
    if (key == "model_type") continue;
    if (!json.contains(key)) refuse(key, "not a key of T5 (it reads " + t5_keys + ")");
    json[key] = value;
  }
  if (json["num_decoder_layers"].is_null()) json["num_decoder_layers"] = json["num_layers"];
  if (json["vocab_size"].get<int64_t>() < needed_vocab)
    refuse("vocab_size", std::to_string(json["vocab_size"].get<int64_t>()) + " cannot embed the tokenizer's " +
                             std::to_string(tokenizer.vocab_size()) + " pieces and T5's " +
                             std::to_string(kT5ExtraIds) + " sentinels (at least " + std::to_string(needed_vocab) + ")");
  if (!json["tie_word_embeddings"].get<bool>())
    refuse("tie_word_embeddings",
           "false is not supported: transformers 5's T5Config ties the output layer to `shared` whatever "
           "config.json says (configuration_t5.py, __post_init__), so an untied T5 would not load as trained");
  json["pad_token_id"] = *special.pad;
  json["eos_token_id"] = *special.eos;
  json["decoder_start_token_id"] = *special.pad;
  try {
    return models::t5_config_json(models::parse_t5_config(models::HfConfig(json, kWhere)));
  } catch (const Error& e) {
    throw ConfigError(e.what());
  }
}

models::T5ForConditionalGeneration build_t5(const nlohmann::json& config_json) {
  models::T5ForConditionalGeneration model(models::parse_t5_config(models::HfConfig(config_json, "config.json")));
  models::init_t5_weights(*model);
  model->train();
  return model;
}

}  // namespace amem::pretrain
