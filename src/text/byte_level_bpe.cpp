#include "amem/text/byte_level_bpe.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <queue>

#include "amem/core/error.h"
#include "amem/text/byte_level_alphabet.h"
#include "amem/text/gpt2_pretokenizer.h"
#include "amem/text/utf8.h"
#include "amem/io/json_file.h"

namespace amem::text {

using io::json_type_error_message;
using io::read_json_file;

namespace {

using MergeList = std::vector<std::pair<std::string, std::string>>;

uint64_t pair_key(int64_t left, int64_t right) {
  return (static_cast<uint64_t>(left) << 32) | static_cast<uint64_t>(right);
}

std::unordered_map<std::string, int64_t> vocab_from_json(const nlohmann::json& json,
                                                         const std::string& source) {
  if (!json.is_object()) throw Error(source + ": expected an object {\"token\": id}");
  std::unordered_map<std::string, int64_t> vocab;
  for (const auto& [piece, id] : json.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      throw Error(source + ": the id of \"" + piece + "\" is not a non-negative integer");
    }
    vocab.emplace(piece, id.get<int64_t>());
  }
  return vocab;
}

// "left right" -> {left, right}; nullopt unless exactly one space separates two tokens.
std::optional<std::pair<std::string, std::string>> split_merge(const std::string& text) {
  const auto space = text.find(' ');
  if (space == 0 || space == std::string::npos || space + 1 == text.size() ||
      text.find(' ', space + 1) != std::string::npos) {
    return std::nullopt;
  }
  return std::make_pair(text.substr(0, space), text.substr(space + 1));
}

MergeList merges_from_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  MergeList merges;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    auto merge = split_merge(line);
    if (!merge) {
      throw Error(path + ": line " + std::to_string(number) +
                  ": expected two tokens separated by one space, got \"" + line + "\"");
    }
    merges.push_back(std::move(*merge));
  }
  // A byte-level BPE without merges encodes every text byte by byte: a truncated download,
  // never a GPT-2 tokenizer.
  if (merges.empty()) throw Error(path + ": no merges (expected one \"left right\" pair per line)");
  return merges;
}

// model.merges: "left right" strings (tokenizers < 0.20) or ["left", "right"] pairs.
MergeList merges_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_array()) throw Error(source + ": expected an array");
  MergeList merges;
  for (size_t i = 0; i < json.size(); ++i) {
    const auto& merge = json[i];
    const std::string where = source + "[" + std::to_string(i) + "]";
    if (merge.is_string()) {
      auto pair = split_merge(merge.get<std::string>());
      if (!pair)
        throw Error(where + ": expected \"left right\", got \"" + merge.get<std::string>() + "\"");
      merges.push_back(std::move(*pair));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw Error(where + ": expected \"left right\" or [\"left\", \"right\"]");
    }
  }
  if (merges.empty()) throw Error(source + ": no merges (an empty list encodes every text byte by byte)");
  return merges;
}

// The fields of a tokenizer.json this class does not implement must hold their neutral value.
void require(bool ok, const std::string& path, const std::string& field,
             const std::string& expected) {
  if (!ok) throw Error(path + ": " + field + ": expected " + expected);
}

bool null_or_empty(const nlohmann::json& object, const char* key) {
  return !object.contains(key) || object[key].is_null() || object[key] == "";
}

bool absent_or_false(const nlohmann::json& object, const char* key) {
  return !object.contains(key) || object[key].is_null() || object[key] == false;
}

}  // namespace

ByteLevelBpe::ByteLevelBpe(std::unordered_map<std::string, int64_t> vocab, const MergeList& merges,
                           const std::string& source)
    : vocab_(std::move(vocab)) {
  int64_t size = 0;
  for (const auto& [piece, id] : vocab_) size = std::max(size, id + 1);
  pieces_.resize(size);
  for (const auto& [piece, id] : vocab_) pieces_[id] = piece;

  auto id_of = [&](const std::string& piece, size_t index) {
    const auto it = vocab_.find(piece);
    if (it == vocab_.end()) {
      throw Error(source + ": merge " + std::to_string(index + 1) + " uses \"" + piece +
                  "\", which is not in the vocabulary");
    }
    return it->second;
  };
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& [left, right] = merges[i];
    const int64_t merged = id_of(left + right, i);
    // A repeated merge keeps its first (highest-priority) rank.
    merges_.emplace(pair_key(id_of(left, i), id_of(right, i)), Merge{static_cast<int>(i), merged});
  }

  byte_ids_.assign(256, -1);
  for (int byte = 0; byte < 256; ++byte) {
    std::string piece;
    append_utf8(piece, byte_to_code_point(static_cast<uint8_t>(byte)));
    if (const auto it = vocab_.find(piece); it != vocab_.end()) byte_ids_[byte] = it->second;
  }
}

std::unique_ptr<ByteLevelBpe> ByteLevelBpe::from_vocab_and_merges(const std::string& vocab_path,
                                                                  const std::string& merges_path) {
  auto vocab = vocab_from_json(read_json_file(vocab_path), vocab_path);
  return std::unique_ptr<ByteLevelBpe>(
      new ByteLevelBpe(std::move(vocab), merges_from_text(merges_path), merges_path));
}

std::unique_ptr<ByteLevelBpe> ByteLevelBpe::from_tokenizer_json(const std::string& path) {
  const nlohmann::json json = read_json_file(path);
  try {
    require(json.is_object() && json.contains("model") && json["model"].is_object(), path, "model",
            "an object");
    const auto& model = json["model"];
    require(model.value("type", "") == "BPE", path, "model.type",
            "\"BPE\" (sentencepiece models are read from spiece.model / tokenizer.model)");
    require(null_or_empty(model, "continuing_subword_prefix"), path,
            "model.continuing_subword_prefix", "null");
    require(null_or_empty(model, "end_of_word_suffix"), path, "model.end_of_word_suffix", "null");
    require(absent_or_false(model, "byte_fallback"), path, "model.byte_fallback", "false");
    require(absent_or_false(model, "ignore_merges"), path, "model.ignore_merges", "false");
    require(!model.contains("dropout") || model["dropout"].is_null(), path, "model.dropout",
            "null");
    require(!json.contains("normalizer") || json["normalizer"].is_null(), path, "normalizer",
            "null");
    const auto& pre = json.contains("pre_tokenizer") ? json["pre_tokenizer"] : nlohmann::json();
    require(pre.is_object() && pre.value("type", "") == "ByteLevel", path, "pre_tokenizer.type",
            "\"ByteLevel\"");
    require(absent_or_false(pre, "add_prefix_space"), path, "pre_tokenizer.add_prefix_space",
            "false");
    require(!pre.contains("use_regex") || pre["use_regex"] == true, path, "pre_tokenizer.use_regex",
            "true");
    require(model.contains("vocab"), path, "model.vocab", "an object {\"token\": id}");
    require(model.contains("merges"), path, "model.merges", "an array");

    auto vocab = vocab_from_json(model["vocab"], path + ": model.vocab");
    std::unique_ptr<ByteLevelBpe> bpe(new ByteLevelBpe(
        std::move(vocab), merges_from_json(model["merges"], path + ": model.merges"),
        path + ": model.merges"));

    const auto added = json.value("added_tokens", nlohmann::json::array());
    require(added.is_array(), path, "added_tokens", "an array");
    for (size_t i = 0; i < added.size(); ++i) {
      const auto& token = added[i];
      const std::string field = "added_tokens[" + std::to_string(i) + "]";
      require(token.is_object() && token.contains("id") && token["id"].is_number_integer() &&
                  token["id"].get<int64_t>() >= 0 && token.contains("content") &&
                  token["content"].is_string(),
              path, field, "{\"id\": integer, \"content\": string, ...}");
      for (const char* option : {"single_word", "lstrip", "rstrip"}) {
        require(absent_or_false(token, option), path, field + "." + option, "false");
      }
      bpe->add_token({token["id"].get<int64_t>(), token["content"].get<std::string>(),
                      token.value("special", false)});
    }
    return bpe;
  } catch (const nlohmann::json::type_error& e) {
    throw Error(json_type_error_message(path, e));
  }
}

void ByteLevelBpe::add_token(const AddedToken& token) {
  if (token.content.empty()) throw Error("added token " + std::to_string(token.id) + " is empty");
  if (token.id < vocab_size() && !pieces_[token.id].empty() && pieces_[token.id] != token.content) {
    throw Error("added token \"" + token.content + "\" has id " + std::to_string(token.id) +
                ", which already holds \"" + pieces_[token.id] + "\"");
  }
  if (token.id >= vocab_size()) pieces_.resize(token.id + 1);
  pieces_[token.id] = token.content;
  vocab_[token.content] = token.id;
  added_.erase(std::remove_if(added_.begin(), added_.end(),
                              [&](const AddedToken& t) { return t.id == token.id; }),
               added_.end());
  added_.push_back(token);
  // Longest first, so that the first match found at a position is the longest one.
  std::stable_sort(added_.begin(), added_.end(), [](const AddedToken& a, const AddedToken& b) {
    return a.content.size() > b.content.size();
  });
  added_ids_.insert(token.id);
}

std::vector<int64_t> ByteLevelBpe::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  size_t plain_begin = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto match = std::find_if(added_.begin(), added_.end(), [&](const AddedToken& t) {
      return text.compare(pos, t.content.size(), t.content) == 0;
    });
    if (match == added_.end()) {
      ++pos;
      continue;
    }
    encode_plain(text.substr(plain_begin, pos - plain_begin), ids);
    ids.push_back(match->id);
    pos += match->content.size();
    plain_begin = pos;
  }
  encode_plain(text.substr(plain_begin), ids);
  return ids;
}

void ByteLevelBpe::encode_plain(std::string_view text, std::vector<int64_t>& ids) const {
  for (std::string_view word : split_gpt2_words(text)) {
    const std::vector<int64_t> word_ids = encode_word(word);
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  }
}

std::vector<int64_t> ByteLevelBpe::encode_word(std::string_view word) const {
  const std::string key(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  std::vector<int64_t> symbols;
  symbols.reserve(word.size());
  for (const char c : word) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte_ids_[byte] < 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      throw Error(std::string("byte-level BPE: the vocabulary has no piece for byte ") + hex);
    }
    symbols.push_back(byte_ids_[byte]);
  }
  std::vector<int64_t> ids = merge_symbols(std::move(symbols));

  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() > 100000) cache_.clear();  // bounds memory on endless streams of new words
  cache_.emplace(key, ids);
  return ids;
}

// Applies merges until none applies, always the adjacent pair of lowest rank, the leftmost
// of equal ones (GPT-2's bpe(), which merges every occurrence of the best pair from left to
// right, gives the same result). The symbols form a linked list and the candidate pairs a
// heap, so a long word costs O(n log n) rather than GPT-2's O(n^2).
std::vector<int64_t> ByteLevelBpe::merge_symbols(std::vector<int64_t> symbols) const {
  const int n = static_cast<int>(symbols.size());
  std::vector<int> next(n), prev(n);
  for (int i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }

  struct Candidate {
    int rank, left;             // merge rank, index of the left symbol
    int64_t left_id, right_id;  // the pair when queued; stale once either side changed
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto push = [&](int left) {
    if (left < 0 || next[left] < 0) return;
    const auto it = merges_.find(pair_key(symbols[left], symbols[next[left]]));
    if (it != merges_.end())
      queue.push({it->second.rank, left, symbols[left], symbols[next[left]]});
  };
  for (int i = 0; i + 1 < n; ++i) push(i);

  std::vector<bool> alive(n, true);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    const int right = next[c.left];
    if (!alive[c.left] || right < 0 || symbols[c.left] != c.left_id ||
        symbols[right] != c.right_id) {
      continue;
    }
    symbols[c.left] = merges_.at(pair_key(c.left_id, c.right_id)).merged_id;
    alive[right] = false;
    next[c.left] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.left;
    push(prev[c.left]);
    push(c.left);
  }

  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) ids.push_back(symbols[i]);
  }
  return ids;
}

bool ByteLevelBpe::is_special(int64_t id) const {
  for (const auto& token : added_) {
    if (token.id == id) return token.special;
  }
  const SpecialTokens& s = special();
  return id == s.bos || id == s.eos || id == s.pad || id == s.unk;
}

std::string ByteLevelBpe::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  std::string text;
  std::string bytes;  // byte-level pieces since the last added token
  for (const int64_t id : ids) {
    const std::string piece = id_to_piece(id);
    if (skip_special && is_special(id)) continue;
    if (added_ids_.count(id)) {
      text += replace_invalid_utf8(bytes);
      bytes.clear();
      text += piece;
      continue;
    }
    for (size_t pos = 0; pos < piece.size();) {
      const Utf8Unit unit = next_utf8_unit(piece, pos);
      const auto byte = unit.valid ? code_point_to_byte(unit.code_point) : std::nullopt;
      if (byte) {
        bytes += static_cast<char>(*byte);
      } else {  // not in the byte-level alphabet: the piece's own text
        bytes.append(piece, pos, unit.length);
      }
      pos += unit.length;
    }
  }
  return text + replace_invalid_utf8(bytes);
}

std::string ByteLevelBpe::id_to_piece(int64_t id) const {
  if (id < 0 || id >= vocab_size() || pieces_[id].empty()) {
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary (size " +
                std::to_string(vocab_size()) + ")");
  }
  return pieces_[id];
}

std::optional<int64_t> ByteLevelBpe::piece_to_id(std::string_view piece) const {
  const auto it = vocab_.find(std::string(piece));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

}  // namespace amem::text
