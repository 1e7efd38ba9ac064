// load_tokenizer(): which tokenizer a checkpoint folder holds, and its special tokens.
#include <filesystem>

#include "amem/core/error.h"
#include "amem/text/byte_level_bpe.h"
#include "amem/text/sentencepiece_tokenizer.h"
#include "amem/text/tokenizer.h"
#include "amem/io/json_file.h"

namespace fs = std::filesystem;

namespace amem::text {

using io::json_type_error_message;
using io::read_json_file;

namespace {

constexpr const char* kEndOfText = "<|endoftext|>";

struct SpecialField {
  const char* name;  // "bos" -> bos_token, bos_token_id
  std::optional<int64_t> SpecialTokens::*id;
};
constexpr SpecialField kSpecialFields[] = {{"bos", &SpecialTokens::bos},
                                           {"eos", &SpecialTokens::eos},
                                           {"pad", &SpecialTokens::pad},
                                           {"unk", &SpecialTokens::unk}};

// A token named in special_tokens_map.json / tokenizer_config.json: a string, an AddedToken
// object {"content": ...}, or null.
std::optional<std::string> token_name(const nlohmann::json& value, const std::string& where) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  throw Error(where + ": expected a token string, {\"content\": string} or null");
}

// Sets special ids from the *_token names of one file; named tokens of a byte-level BPE are
// also matched as whole tokens in text, as Hugging Face does.
void apply_token_names(const std::string& path, Tokenizer& tokenizer, SpecialTokens& special) {
  const nlohmann::json json = read_json_file(path);
  if (!json.is_object()) throw Error(path + ": expected a JSON object");
  auto* bpe = dynamic_cast<ByteLevelBpe*>(&tokenizer);
  if (bpe && json.contains("added_tokens_decoder")) {
    const auto& added = json["added_tokens_decoder"];
    if (!added.is_object()) throw Error(path + ": added_tokens_decoder: expected an object");
    for (const auto& [id, token] : added.items()) {
      const std::string where = path + ": added_tokens_decoder." + id;
      const auto content = token_name(token, where);
      if (!content || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(where + ": expected a numeric id mapped to {\"content\": string}");
      }
      bpe->add_token({std::stoll(id), *content, token.value("special", false)});
    }
  }
  for (const auto& field : kSpecialFields) {
    const std::string key = std::string(field.name) + "_token";
    if (!json.contains(key)) continue;
    const auto name = token_name(json[key], path + ": " + key);
    if (!name) {
      special.*field.id = std::nullopt;
      continue;
    }
    const auto id = tokenizer.piece_to_id(*name);
    if (!id) throw Error(path + ": " + key + ": \"" + *name + "\" is not in the vocabulary");
    if (bpe) bpe->add_token({*id, *name, true});
    special.*field.id = id;
  }
  for (const auto& [key, flag] : {std::pair{"add_bos_token", &SpecialTokens::add_bos},
                                  std::pair{"add_eos_token", &SpecialTokens::add_eos}}) {
    if (!json.contains(key)) continue;
    if (!json[key].is_boolean()) throw Error(path + ": " + key + ": expected true or false");
    special.*flag = json[key].get<bool>();
  }
}

// Sets special ids from the *_token_id fields of a model's config.json.
void apply_config_ids(const std::string& path, const Tokenizer& tokenizer, SpecialTokens& special) {
  const nlohmann::json json = read_json_file(path);
  if (!json.is_object()) throw Error(path + ": expected a JSON object");
  for (const auto& field : kSpecialFields) {
    const std::string key = std::string(field.name) + "_token_id";
    if (!json.contains(key) || json[key].is_null()) continue;
    // Some configs list several EOS ids; the first is the one a tokenizer appends.
    const auto& value = json[key].is_array() && !json[key].empty() ? json[key][0] : json[key];
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() >= tokenizer.vocab_size()) {
      throw Error(path + ": " + key + ": expected an id below the tokenizer's vocabulary size " +
                  std::to_string(tokenizer.vocab_size()) + ", got " + json[key].dump());
    }
    special.*field.id = value.get<int64_t>();
  }
}

// The tokenizer (its vocabulary read from `tokenizer_file`, added tokens included) must have no
// id beyond config.json's vocab_size: the model's embedding has that many rows (checked against
// the checkpoint when the model loads), and a larger id would index past it. A smaller
// tokenizer is normal (embeddings padded to a round size).
void check_fits_model(const std::string& config_path, const Tokenizer& tokenizer, const std::string& tokenizer_file) {
  const nlohmann::json json = read_json_file(config_path);
  if (!json.contains("vocab_size") || !json["vocab_size"].is_number_integer()) return;
  const auto model_vocab = json["vocab_size"].get<int64_t>();
  if (tokenizer.vocab_size() > model_vocab)
    throw Error(config_path + ": vocab_size is " + std::to_string(model_vocab) + " but the tokenizer " +
                tokenizer_file + " has " + std::to_string(tokenizer.vocab_size()) +
                " ids; the model cannot embed ids from " + std::to_string(model_vocab) + " on");
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  const fs::path folder(dir);
  if (!fs::is_directory(folder)) throw Error(dir + ": not a folder");
  auto has = [&](const char* name) { return fs::is_regular_file(folder / name); };

  std::unique_ptr<Tokenizer> tokenizer;
  std::string tokenizer_file;  // the file the vocabulary comes from, for messages
  SpecialTokens special;
  if (has("spiece.model") || has("tokenizer.model")) {
    const bool t5 = has("spiece.model");
    tokenizer_file = (folder / (t5 ? "spiece.model" : "tokenizer.model")).string();
    tokenizer = std::make_unique<SentencepieceTokenizer>(tokenizer_file);
    special = tokenizer->special();
    (t5 ? special.add_eos : special.add_bos) = true;
  } else if (has("tokenizer.json") || (has("vocab.json") && has("merges.txt"))) {
    tokenizer_file = (folder / (has("tokenizer.json") ? "tokenizer.json" : "vocab.json")).string();
    std::unique_ptr<ByteLevelBpe> bpe =
        has("tokenizer.json")
            ? ByteLevelBpe::from_tokenizer_json((folder / "tokenizer.json").string())
            : ByteLevelBpe::from_vocab_and_merges((folder / "vocab.json").string(),
                                                  (folder / "merges.txt").string());
    if (const auto end_of_text = bpe->piece_to_id(kEndOfText)) {
      bpe->add_token({*end_of_text, kEndOfText, true});
      special.bos = special.eos = special.unk = end_of_text;
    }
    tokenizer = std::move(bpe);
  } else {
    throw Error(dir +
                ": no tokenizer files (expected spiece.model, tokenizer.model, "
                "tokenizer.json or vocab.json + merges.txt)");
  }

  for (const char* file : {"config.json", "special_tokens_map.json", "tokenizer_config.json"}) {
    if (!has(file)) continue;
    const std::string path = (folder / file).string();
    try {
      if (file == std::string("config.json")) {
        apply_config_ids(path, *tokenizer, special);
      } else {
        apply_token_names(path, *tokenizer, special);
      }
    } catch (const nlohmann::json::type_error& e) {
      throw Error(json_type_error_message(path, e));
    }
  }
  if (has("config.json")) check_fits_model((folder / "config.json").string(), *tokenizer, tokenizer_file);
  tokenizer->set_special(special);
  return tokenizer;
}

const std::vector<std::string>& tokenizer_file_names() {
  static const std::vector<std::string> names = {"spiece.model",  "tokenizer.model", "tokenizer.json",
                                                 "vocab.json",    "merges.txt",      "special_tokens_map.json",
                                                 "tokenizer_config.json"};
  return names;
}

}  // namespace amem::text
