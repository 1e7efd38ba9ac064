// The tokenizer interface shared by every model family.
//
// encode() returns the ids of the text alone: no BOS/EOS is added. Model families differ in
// which special tokens they add (GPT-2: none; T5: EOS at the end; LLaMA: BOS at the start),
// so encode_for_model() applies the convention recorded for the checkpoint.
//
// Special tokens written in the text follow each reference implementation: the byte-level
// BPE matches its added tokens (e.g. "<|endoftext|>" becomes the EOS id, as in Hugging Face's
// tokenizers), sentencepiece reads "</s>" or "<s>" as plain text (as the sentencepiece library
// does). Strip them from untrusted text when that matters.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amem::text {

struct SpecialTokens {
  std::optional<int64_t> bos, eos, pad, unk;
  bool add_bos = false;  // the checkpoint's convention when encoding a sequence
  bool add_eos = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  // Special tokens (BOS/EOS/PAD and added special tokens) are dropped when skip_special, as
  // the reference decoders do; sentencepiece writes its unknown piece as " ⁇ " either way.
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special = true) const = 0;
  // The text `continuation` adds after `prompt`: decode(prompt + continuation) minus
  // decode(prompt). Decoding the new ids alone loses what depends on their left context:
  // sentencepiece drops the word-initial space of a text's first piece, so "Who was the" + "▁be"
  // would read "Who was thebe". When the prompt's text is not a prefix of the whole (a
  // character whose bytes straddle the boundary), the new ids are decoded alone.
  std::string decode_continuation(const std::vector<int64_t>& prompt, const std::vector<int64_t>& continuation,
                                  bool skip_special = true) const;
  virtual int64_t vocab_size() const = 0;
  virtual std::string id_to_piece(int64_t id) const = 0;
  virtual std::optional<int64_t> piece_to_id(std::string_view piece) const = 0;

  const SpecialTokens& special() const { return special_; }
  // load_tokenizer() sets the checkpoint's special ids and conventions through this.
  void set_special(const SpecialTokens& special) { special_ = special; }
  // encode() plus the checkpoint's BOS/EOS convention.
  std::vector<int64_t> encode_for_model(std::string_view text) const;
  // The last `budget` ids of a model input longer than that, keeping a leading BOS the
  // convention added (a question cut to fit the context loses its start, never the BOS the
  // model was trained with). Inputs within the budget are returned as they are.
  std::vector<int64_t> keep_last(std::vector<int64_t> ids, size_t budget) const;

 protected:
  SpecialTokens special_;
};

// Loads the tokenizer of a Hugging Face checkpoint folder, from the first of `spiece.model`
// (T5: EOS appended), `tokenizer.model` (LLaMA: BOS prepended), `tokenizer.json` or
// `vocab.json` + `merges.txt` (GPT-2 byte-level BPE: nothing added; <|endoftext|> is BOS, EOS
// and UNK when the vocabulary has it) that exists. Special tokens and add_bos_token /
// add_eos_token are then read, later files winning, from config.json (*_token_id),
// special_tokens_map.json and tokenizer_config.json (*_token). Throws amem::Error naming the
// folder when no tokenizer file is found, the file and field when one is malformed (an empty
// merge list included), and both files and sizes when the tokenizer has more ids than
// config.json's vocab_size (the model could not embed them).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir);

// Every file load_tokenizer() may read besides config.json, so that a model saved elsewhere
// (models/save_causal_lm.h) carries its tokenizer along.
const std::vector<std::string>& tokenizer_file_names();

}  // namespace amem::text
