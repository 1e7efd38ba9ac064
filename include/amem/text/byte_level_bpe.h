// GPT-2's byte-level BPE tokenizer, read from `vocab.json` + `merges.txt` or from a Hugging
// Face `tokenizer.json` (model.type "BPE" with the ByteLevel pre-tokenizer).
//
// encode(): the text is first cut at added tokens (exact content, longest match first, e.g.
// "<|endoftext|>"), which become their own ids as in Hugging Face's tokenizers; the rest is
// split into words by GPT-2's pattern (gpt2_pretokenizer.h), each word's UTF-8 bytes are
// spelled in the byte-level alphabet (byte_level_alphabet.h) and merged pair by pair, always
// the pair of lowest merge rank first. Input that is not valid UTF-8 still encodes: its bytes
// go through the same byte-level alphabet (they never reach a Python reference, which only
// takes valid strings).
//
// decode(): added tokens contribute their content; other tokens are mapped back to bytes, and
// byte sequences that are not valid UTF-8 (ids cut inside a character) become U+FFFD, as in
// Hugging Face's decoders.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "amem/text/tokenizer.h"

namespace amem::text {

// A token matched as a whole in the input before pre-tokenization.
struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool special = true;  // dropped by decode(..., skip_special = true)
};

class ByteLevelBpe : public Tokenizer {
 public:
  // GPT-2's layout: vocab.json ({"token": id}) and merges.txt (an optional "#version" line,
  // then one merge "left right" per line, highest priority first).
  static std::unique_ptr<ByteLevelBpe> from_vocab_and_merges(const std::string& vocab_path,
                                                             const std::string& merges_path);
  // A Hugging Face tokenizer.json; its added_tokens become added tokens.
  static std::unique_ptr<ByteLevelBpe> from_tokenizer_json(const std::string& path);

  // Adds (or re-marks) a token that encode() matches as a whole. Its id may be a vocabulary
  // id with the same content or a new id; throws amem::Error when that id holds another token.
  void add_token(const AddedToken& token);

  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special = true) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  std::string id_to_piece(int64_t id) const override;
  std::optional<int64_t> piece_to_id(std::string_view piece) const override;

 private:
  struct Merge {
    int rank;
    int64_t merged_id;
  };

  // `source` names the file (and field) in error messages.
  ByteLevelBpe(std::unordered_map<std::string, int64_t> vocab,
               const std::vector<std::pair<std::string, std::string>>& merges,
               const std::string& source);
  void encode_plain(std::string_view text, std::vector<int64_t>& ids) const;
  std::vector<int64_t> encode_word(std::string_view word) const;
  std::vector<int64_t> merge_symbols(std::vector<int64_t> symbols) const;
  bool is_special(int64_t id) const;

  std::unordered_map<std::string, int64_t> vocab_;  // pieces in the byte-level alphabet
  std::vector<std::string> pieces_;                 // id -> piece ("" for unused ids)
  std::unordered_map<uint64_t, Merge> merges_;      // (left id << 32 | right id) -> merge
  std::vector<int64_t> byte_ids_;                   // byte -> id of its one-character piece
  std::vector<AddedToken> added_;                   // longest content first
  std::unordered_set<int64_t> added_ids_;

  mutable std::mutex cache_mutex_;  // encode() is const and may run on several threads
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;  // word -> ids
};

}  // namespace amem::text
