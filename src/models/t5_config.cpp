#include "amem/models/t5_config.h"

#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "text/json_file.h"

namespace amem::models {

namespace {

// Typed access to config.json keys with errors that name the file and key.
class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {
    json_ = text::read_json_file(path_);
    if (!json_.is_object()) throw ConfigError(path_ + ": expected a JSON object");
  }

  bool has(const std::string& key) const { return json_.contains(key) && !json_[key].is_null(); }

  int64_t integer(const std::string& key) const {
    const auto& value = at(key);
    if (!value.is_number_integer()) throw error(key, "expected an integer");
    return value.get<int64_t>();
  }
  int64_t positive(const std::string& key) const {
    const int64_t value = integer(key);
    if (value <= 0) throw error(key, "expected a positive integer, got " + std::to_string(value));
    return value;
  }
  double number(const std::string& key) const {
    const auto& value = at(key);
    if (!value.is_number()) throw error(key, "expected a number");
    return value.get<double>();
  }
  bool boolean(const std::string& key) const {
    const auto& value = at(key);
    if (!value.is_boolean()) throw error(key, "expected true or false");
    return value.get<bool>();
  }
  std::string string(const std::string& key) const {
    const auto& value = at(key);
    if (!value.is_string()) throw error(key, "expected a string");
    return value.get<std::string>();
  }

  ConfigError error(const std::string& key, const std::string& what) const {
    return ConfigError(path_ + ": " + key + ": " + what);
  }

 private:
  const nlohmann::json& at(const std::string& key) const {
    if (!has(key)) throw error(key, "missing key");
    return json_[key];
  }
  std::string path_;
  nlohmann::json json_;
};

}  // namespace

T5Config read_t5_config(const std::string& dir) {
  const ConfigReader json(dir + "/config.json");
  T5Config c;
  c.vocab_size = json.positive("vocab_size");
  c.d_model = json.positive("d_model");
  c.d_kv = json.positive("d_kv");
  c.d_ff = json.positive("d_ff");
  c.num_layers = json.positive("num_layers");
  // As in transformers: absent means as many decoder layers as encoder layers.
  c.num_decoder_layers =
      json.has("num_decoder_layers") ? json.positive("num_decoder_layers") : c.num_layers;
  c.num_heads = json.positive("num_heads");
  c.relative_attention_num_buckets = json.positive("relative_attention_num_buckets");
  c.relative_attention_max_distance = json.positive("relative_attention_max_distance");
  c.layer_norm_epsilon = json.number("layer_norm_epsilon");

  const std::string ff = json.string("feed_forward_proj");
  if (ff == "relu" || ff == "gelu") {
    c.activation = ff;
  } else if (ff == "gated-gelu") {
    c.gated_feed_forward = true;
    c.activation = "gelu_new";  // T5 v1.1 was trained with the tanh approximation
  } else if (ff == "gated-silu") {
    c.gated_feed_forward = true;
    c.activation = "silu";
  } else {
    throw json.error("feed_forward_proj",
                     "expected \"relu\", \"gelu\", \"gated-gelu\" or "
                     "\"gated-silu\", got \"" +
                         ff + "\"");
  }

  // transformers' default; the original T5 checkpoints' configs do not write it.
  c.tie_word_embeddings =
      json.has("tie_word_embeddings") ? json.boolean("tie_word_embeddings") : true;
  c.scale_decoder_outputs = json.has("scale_decoder_outputs")
                                ? json.boolean("scale_decoder_outputs")
                                : c.tie_word_embeddings;
  c.pad_token_id = json.integer("pad_token_id");
  c.eos_token_id = json.integer("eos_token_id");
  // As in transformers: absent means generation starts from the padding token.
  c.decoder_start_token_id =
      json.has("decoder_start_token_id") ? json.integer("decoder_start_token_id") : c.pad_token_id;
  for (int64_t id : {c.pad_token_id, c.eos_token_id, c.decoder_start_token_id})
    if (id < 0 || id >= c.vocab_size)
      throw json.error("token ids", "pad/eos/decoder_start ids must lie in [0, vocab_size = " +
                                        std::to_string(c.vocab_size) + ")");
  return c;
}

}  // namespace amem::models
