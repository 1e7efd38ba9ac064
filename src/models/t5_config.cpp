#include "amem/models/t5_config.h"

#include <filesystem>

#include "amem/models/config_shape_check.h"
#include "amem/models/hf_config.h"

namespace amem::models {

T5Config read_t5_config(const std::string& dir) { return parse_t5_config(HfConfig::read(dir)); }

T5Config parse_t5_config(const HfConfig& json) {
  T5Config c;
  c.vocab_size = json.positive_integer("vocab_size");
  c.d_model = json.positive_integer("d_model");
  c.d_kv = json.positive_integer("d_kv");
  c.d_ff = json.positive_integer("d_ff");
  c.num_layers = json.positive_integer("num_layers");
  // As in transformers: absent means as many decoder layers as encoder layers.
  c.num_decoder_layers =
      json.has("num_decoder_layers") ? json.positive_integer("num_decoder_layers") : c.num_layers;
  c.num_heads = json.positive_integer("num_heads");
  c.relative_attention_num_buckets = json.positive_integer("relative_attention_num_buckets");
  // The original t5-small/base/large configs predate these keys; transformers' defaults apply.
  c.relative_attention_max_distance =
      json.has("relative_attention_max_distance") ? json.positive_integer("relative_attention_max_distance") : 128;
  c.layer_norm_epsilon = json.positive_number("layer_norm_epsilon", 1e-6);
  c.dropout_rate = json.probability("dropout_rate", 0.1);
  c.initializer_factor = json.positive_number("initializer_factor", 1.0);
  const std::string ff = json.string("feed_forward_proj", "relu");
  c.feed_forward_proj = ff;
  if (ff == "relu" || ff == "gelu") {
    c.activation = ff;
  } else if (ff == "gated-gelu") {
    c.gated_feed_forward = true;
    c.activation = "gelu_new";  // T5 v1.1 was trained with the tanh approximation
  } else if (ff == "gated-silu") {
    c.gated_feed_forward = true;
    c.activation = "silu";
  } else {
    json.fail("feed_forward_proj", "expected \"relu\", \"gelu\", \"gated-gelu\" or \"gated-silu\", got \"" + ff + "\"");
  }

  // transformers' default; the original T5 checkpoints' configs do not write it.
  c.tie_word_embeddings = json.boolean("tie_word_embeddings", true);
  c.scale_decoder_outputs = json.boolean("scale_decoder_outputs", c.tie_word_embeddings);
  c.pad_token_id = json.integer("pad_token_id");
  c.eos_token_id = json.integer("eos_token_id");
  // As in transformers: absent means generation starts from the padding token.
  c.decoder_start_token_id = json.integer("decoder_start_token_id", c.pad_token_id);
  for (int64_t id : {c.pad_token_id, c.eos_token_id, c.decoder_start_token_id})
    if (id < 0 || id >= c.vocab_size)
      json.fail("pad_token_id", "pad/eos/decoder_start ids must lie in [0, vocab_size = " +
                                    std::to_string(c.vocab_size) + ")");
  return c;
}

nlohmann::json t5_config_json(const T5Config& c) {
  return {{"architectures", {"T5ForConditionalGeneration"}},
          {"model_type", "t5"},
          {"is_encoder_decoder", true},
          {"vocab_size", c.vocab_size},
          {"d_model", c.d_model},
          {"d_kv", c.d_kv},
          {"d_ff", c.d_ff},
          {"num_layers", c.num_layers},
          {"num_decoder_layers", c.num_decoder_layers},
          {"num_heads", c.num_heads},
          {"relative_attention_num_buckets", c.relative_attention_num_buckets},
          {"relative_attention_max_distance", c.relative_attention_max_distance},
          {"layer_norm_epsilon", c.layer_norm_epsilon},
          {"dropout_rate", c.dropout_rate},
          {"initializer_factor", c.initializer_factor},
          {"feed_forward_proj", c.feed_forward_proj},
          {"tie_word_embeddings", c.tie_word_embeddings},
          {"scale_decoder_outputs", c.scale_decoder_outputs},
          {"decoder_start_token_id", c.decoder_start_token_id},
          {"eos_token_id", c.eos_token_id},
          {"pad_token_id", c.pad_token_id},
          {"use_cache", true}};
}

void check_t5_shapes(const T5Config& c, const std::string& dir, const io::SafetensorsCheckpoint& checkpoint,
                     bool with_decoder) {
  ConfigShapeCheck check((std::filesystem::path(dir) / "config.json").string(), checkpoint);
  check.size("vocab_size", c.vocab_size, "shared.weight", 0);
  check.size("d_model", c.d_model, "shared.weight", 1);
  std::vector<std::string> stacks = {"encoder"};
  if (with_decoder) stacks.push_back("decoder");
  for (const auto& stack : stacks) {
    const std::string block = stack + ".block.";
    check.blocks(stack == "encoder" ? "num_layers" : "num_decoder_layers",
                 stack == "encoder" ? c.num_layers : c.num_decoder_layers, block);
    const std::string attention = block + "0.layer.0.SelfAttention.";
    check.size("relative_attention_num_buckets", c.relative_attention_num_buckets,
               attention + "relative_attention_bias.weight", 0);
    check.size("num_heads", c.num_heads, attention + "relative_attention_bias.weight", 1);
    check.product("num_heads", c.num_heads, "d_kv", c.d_kv, attention + "q.weight", 0);
    // The feed-forward is the encoder block's second layer, after the decoder's cross-attention.
    check.size("d_ff", c.d_ff,
               block + "0.layer." + (stack == "encoder" ? "1" : "2") + ".DenseReluDense." +
                   (c.gated_feed_forward ? "wi_0" : "wi") + ".weight",
               0);
  }
}

}  // namespace amem::models
