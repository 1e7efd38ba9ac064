#include "amem/models/t5_config.h"

#include "amem/models/hf_config.h"

namespace amem::models {

T5Config read_t5_config(const std::string& dir) {
  const auto json = HfConfig::read(dir);
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
  c.relative_attention_max_distance = json.integer("relative_attention_max_distance", 128);
  c.layer_norm_epsilon = json.number("layer_norm_epsilon", 1e-6);
  c.dropout_rate = json.number("dropout_rate", 0.1);
  const std::string ff = json.string("feed_forward_proj", "relu");
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

}  // namespace amem::models
