#include "amem/pretrain/causal_lm_architecture.h"

#include <set>

#include "amem/core/error.h"
#include "amem/models/gpt2.h"
#include "amem/models/hf_config.h"
#include "amem/models/llama.h"
#include "amem/pretrain/hf_initialization.h"

namespace amem::pretrain {

namespace {

constexpr const char* kWhere = "pretrain.architecture";

// transformers' GPT2Config and LlamaConfig defaults (configuration_gpt2.py,
// configuration_llama.py __init__ signatures) for the keys amem's readers need.
nlohmann::json family_defaults(const std::string& model_type) {
  if (model_type == "gpt2")
    return {{"n_positions", 1024},        {"n_embd", 768},       {"n_layer", 12},
            {"n_head", 12},               {"n_inner", nullptr},  {"activation_function", "gelu_new"},
            {"layer_norm_epsilon", 1e-5}, {"embd_pdrop", 0.1},   {"attn_pdrop", 0.1},
            {"resid_pdrop", 0.1},         {"initializer_range", 0.02}, {"tie_word_embeddings", true},
            {"architectures", {"GPT2LMHeadModel"}}};
  return {{"hidden_size", 4096},          {"intermediate_size", 11008}, {"num_hidden_layers", 32},
          {"num_attention_heads", 32},    {"max_position_embeddings", 2048}, {"rms_norm_eps", 1e-6},
          {"rope_theta", 10000.0},        {"hidden_act", "silu"},  {"tie_word_embeddings", false},
          {"attention_bias", false},      {"mlp_bias", false},     {"initializer_range", 0.02},
          {"architectures", {"LlamaForCausalLM"}}};
}

// The pretrain.architecture keys each family reads besides vocab_size and initializer_range.
const std::set<std::string>& family_keys(const std::string& model_type) {
  static const std::set<std::string> gpt2 = {"n_positions", "n_embd",     "n_layer",    "n_head",
                                             "n_inner",     "activation_function", "layer_norm_epsilon",
                                             "embd_pdrop",  "attn_pdrop", "resid_pdrop"};
  static const std::set<std::string> llama = {
      "hidden_size",  "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
      "head_dim",     "max_position_embeddings", "rms_norm_eps", "rope_theta", "hidden_act",
      "tie_word_embeddings", "attention_bias", "mlp_bias"};
  return model_type == "gpt2" ? gpt2 : llama;
}

}  // namespace

nlohmann::json causal_lm_config(const nlohmann::json& architecture, const text::Tokenizer& tokenizer) {
  const std::string model_type = architecture.at("model_type").get<std::string>();
  if (model_type != "gpt2" && model_type != "llama")
    throw ConfigError(std::string(kWhere) + ".model_type: '" + model_type +
                      "' is not a causal LM (expected gpt2 or llama)");
  nlohmann::json config = family_defaults(model_type);
  for (const auto& [key, value] : architecture.items()) {
    // A key the family does not read would be written into config.json and ignored.
    if (key != "model_type" && key != "vocab_size" && key != "initializer_range" && !family_keys(model_type).count(key))
      throw ConfigError(std::string(kWhere) + "." + key + ": not a " + model_type + " key (remove it)");
    config[key] = value;
  }
  const int64_t tokenizer_size = tokenizer.vocab_size();
  if (!config.contains("vocab_size")) config["vocab_size"] = tokenizer_size;
  if (config["vocab_size"].get<int64_t>() < tokenizer_size)
    throw ConfigError(std::string(kWhere) + ".vocab_size: " + config["vocab_size"].dump() +
                      " is below the tokenizer's " + std::to_string(tokenizer_size) +
                      " ids (null takes the tokenizer's size)");
  const auto& special = tokenizer.special();
  if (!special.eos)
    throw ConfigError("pretrain.tokenizer: the tokenizer has no EOS token, which separates packed documents");
  config["eos_token_id"] = *special.eos;
  config["bos_token_id"] = special.bos ? nlohmann::json(*special.bos) : nlohmann::json(nullptr);
  if (config["n_inner"].is_null()) config.erase("n_inner");
  // The family's reader checks every value, as for a checkpoint's config.json; its messages
  // then name the key under pretrain.architecture.
  try {
    const models::HfConfig hf(config, kWhere);
    if (model_type == "gpt2") models::Gpt2Config::from(hf);
    else models::LlamaConfig::from(hf);
    hf.positive_number("initializer_range");
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(e.what());
  }
  return config;
}

std::shared_ptr<models::CausalLm> build_causal_lm(const nlohmann::json& config_json) {
  const models::HfConfig hf(config_json, kWhere);
  const double range = hf.positive_number("initializer_range");
  std::shared_ptr<models::CausalLm> model;
  if (hf.string("model_type") == "gpt2") {
    auto gpt2 = std::make_shared<models::Gpt2LmHeadModel>(models::Gpt2Config::from(hf));
    initialize_gpt2(*gpt2, range);
    model = gpt2;
  } else {
    auto llama = std::make_shared<models::LlamaForCausalLm>(models::LlamaConfig::from(hf));
    initialize_llama(*llama, range);
    model = llama;
  }
  model->train();
  return model;
}

}  // namespace amem::pretrain
