#include "amem/pretrain/pretrain_settings.h"

#include <filesystem>
#include <set>

#include "amem/config/config_path.h"
#include "amem/core/error.h"
#include "amem/pretrain/pretraining_objectives.h"

namespace amem::pretrain {

namespace {

constexpr const char* kArchitecture = "pretrain.architecture.";

// The config.json keys pretrain.architecture accepts, each under its Hugging Face name. Every
// one is optional: null takes the family's transformers default (the objective fills it in;
// the docs name the defaults). Values are checked when the model's config is read
// (models/gpt2.h, llama.h), as for a checkpoint's config.json.
struct ArchitectureKey {
  const char* name;
  config::FieldType type;
  const char* doc;
};
const std::vector<ArchitectureKey>& architecture_keys() {
  using T = config::FieldType;
  static const std::vector<ArchitectureKey> keys = {
      {"vocab_size", T::Int, "embedding rows; null: the tokenizer's size (smaller is refused, larger pads)"},
      {"initializer_range", T::Float, "std of the normal initialisation (transformers: 0.02)"},
      // GPT-2 (transformers GPT2Config defaults in brackets).
      {"n_positions", T::Int, "gpt2: context length [1024]"},
      {"n_embd", T::Int, "gpt2: width [768]"},
      {"n_layer", T::Int, "gpt2: blocks [12]"},
      {"n_head", T::Int, "gpt2: attention heads [12]"},
      {"n_inner", T::Int, "gpt2: feed-forward width [null: 4 × n_embd]"},
      {"activation_function", T::String, "gpt2: feed-forward activation [gelu_new]"},
      {"layer_norm_epsilon", T::Float, "gpt2, t5: layer norm epsilon [gpt2 1e-5, t5 1e-6]"},
      {"embd_pdrop", T::Float, "gpt2: embedding dropout [0.1]"},
      {"attn_pdrop", T::Float, "gpt2: attention dropout [0.1]"},
      {"resid_pdrop", T::Float, "gpt2: residual dropout [0.1]"},
      // LLaMA (transformers LlamaConfig defaults in brackets).
      {"hidden_size", T::Int, "llama: width [4096]"},
      {"intermediate_size", T::Int, "llama: feed-forward width [11008]"},
      {"num_hidden_layers", T::Int, "llama: decoder layers [32]"},
      {"num_attention_heads", T::Int, "llama: attention heads [32]"},
      {"num_key_value_heads", T::Int, "llama: key/value heads [num_attention_heads]"},
      {"head_dim", T::Int, "llama: per-head width [hidden_size / num_attention_heads]"},
      {"max_position_embeddings", T::Int, "llama: context length [2048]"},
      {"rms_norm_eps", T::Float, "llama: RMSNorm epsilon [1e-6]"},
      {"rope_theta", T::Float, "llama: rotary base [10000]"},
      {"hidden_act", T::String, "llama: feed-forward activation [silu]"},
      {"tie_word_embeddings", T::Bool, "llama, t5: output layer tied to the embedding [llama false, t5 true (only)]"},
      {"attention_bias", T::Bool, "llama: biases in the attention projections [false]"},
      {"mlp_bias", T::Bool, "llama: biases in the feed-forward [false]"},
      // T5 (transformers T5Config defaults in brackets; pretrain/t5_architecture.h).
      {"d_model", T::Int, "t5: width [512]"},
      {"d_kv", T::Int, "t5: per-head width [64]"},
      {"d_ff", T::Int, "t5: feed-forward width [2048]"},
      {"num_layers", T::Int, "t5: encoder blocks [6]"},
      {"num_decoder_layers", T::Int, "t5: decoder blocks [num_layers]"},
      {"num_heads", T::Int, "t5: attention heads [8]"},
      {"relative_attention_num_buckets", T::Int, "t5: relative position buckets [32]"},
      {"relative_attention_max_distance", T::Int, "t5: distance of the last position bucket [128]"},
      {"dropout_rate", T::Float, "t5: dropout [0.1]"},
      {"initializer_factor", T::Float, "t5: scale of the initialisation [1.0]"},
      {"feed_forward_proj", T::String, "t5: relu, gelu, gated-gelu or gated-silu [relu]"},
  };
  return keys;
}

}  // namespace

void PretrainSettings::declare(config::Schema& schema) {
  auto& section =
      schema.section("pretrain", "`amem pretrain`: the objective, the text, the tokenizer and the new model's shape")
          .field<std::string>("objective", "causal_lm", "what is trained (the table of pretrain/pretraining_objectives.cpp)")
          .one_of(pretraining_objective_names())
          .field<std::vector<std::string>>("text_paths", {}, "text files (plain or .xz), one document per blank-line-separated block")
          .optional<std::string>("tokenizer", "folder with the tokenizer files (vocab.json + merges.txt, tokenizer.json, spiece.model or tokenizer.model)")
          .field<int64_t>("sequence_length", 1024, "tokens per packed training and validation sequence")
          .at_least(2)
          .field<int64_t>("val_documents", 100, "documents held out for validation (a seeded choice)")
          .at_least(1)
          .field<int64_t>("val_seed", 0, "which documents are held out (fixed apart from run.seed, so runs of several seeds validate alike)")
          .at_least(0)
          .field<int64_t>("max_documents", -1, "use the first N documents of the text (quick runs); -1: all")
          .at_least(1)
          .or_exactly(-1)
          .field<int64_t>("threads", 0, "tokenization threads; 0: one per core")
          .at_least(0)
          .field<double>("noise_density", 0.15, "t5_span_corruption: fraction of the tokens corrupted (T5: 0.15)")
          .positive()
          .below(1)
          .field<double>("mean_noise_span_length", 3.0, "t5_span_corruption: mean tokens per corrupted span (T5: 3)")
          .at_least(1)
          .optional<std::string>("architecture.model_type", "the new model's family")
          .one_of({"gpt2", "llama", "t5"});
  for (const auto& key : architecture_keys()) {
    const std::string name = std::string("architecture.") + key.name;
    switch (key.type) {
      case config::FieldType::Int: section.optional<int64_t>(name, key.doc).at_least(1); break;
      case config::FieldType::Float: section.optional<double>(name, key.doc).at_least(0); break;
      case config::FieldType::String: section.optional<std::string>(name, key.doc); break;
      case config::FieldType::Bool: section.optional<bool>(name, key.doc); break;
      default: throw std::logic_error("pretrain.architecture: unsupported key type");
    }
  }
}

PretrainSettings PretrainSettings::from(const config::Config& config) {
  PretrainSettings s;
  s.objective = config.get<std::string>("pretrain.objective");
  s.text_paths = config.get<std::vector<std::string>>("pretrain.text_paths");
  if (s.text_paths.empty())
    throw ConfigError(config.source_of("pretrain.text_paths") + ": pretrain.text_paths: expected at least one text file");
  std::set<std::string> seen;
  for (const auto& path : s.text_paths) {
    const std::string where = config.source_of("pretrain.text_paths") + ": pretrain.text_paths: '" + path + "': ";
    if (std::filesystem::is_directory(path)) throw ConfigError(where + "a folder (expected a text file)");
    if (!std::filesystem::is_regular_file(path)) throw ConfigError(where + "no such file");
    // A file listed twice would put its documents in training twice, and copies of held-out
    // documents in training too.
    if (!seen.insert(std::filesystem::weakly_canonical(path).string()).second) throw ConfigError(where + "given twice");
  }
  if (config.is_null("pretrain.tokenizer"))
    throw ConfigError(config.source() + ": pretrain.tokenizer: missing (a folder with the tokenizer files)");
  s.tokenizer = config::existing_path(config, "pretrain.tokenizer", config::PathKind::folder);
  s.sequence_length = config.get<int64_t>("pretrain.sequence_length");
  s.val_documents = config.get<int64_t>("pretrain.val_documents");
  s.val_seed = uint64_t(config.get<int64_t>("pretrain.val_seed"));
  s.max_documents = config.get<int64_t>("pretrain.max_documents");
  s.threads = config.get<int64_t>("pretrain.threads");
  if (config.is_null("pretrain.architecture.model_type"))
    throw ConfigError(config.source() + ": pretrain.architecture.model_type: missing (gpt2, llama or t5)");
  s.architecture = {{"model_type", config.get<std::string>("pretrain.architecture.model_type")}};
  for (const auto& key : architecture_keys()) {
    const std::string name = kArchitecture + std::string(key.name);
    if (config.is_null(name)) continue;
    switch (key.type) {
      case config::FieldType::Int: s.architecture[key.name] = config.get<int64_t>(name); break;
      case config::FieldType::Float: s.architecture[key.name] = config.get<double>(name); break;
      case config::FieldType::String: s.architecture[key.name] = config.get<std::string>(name); break;
      case config::FieldType::Bool: s.architecture[key.name] = config.get<bool>(name); break;
      default: break;
    }
  }
  return s;
}

}  // namespace amem::pretrain
