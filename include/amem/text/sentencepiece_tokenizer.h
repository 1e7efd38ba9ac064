// A sentencepiece model (`spiece.model` of T5, `tokenizer.model` of LLaMA), run by the
// sentencepiece library.
//
// The library is reached through libamem_spm.so (src/text/spm_shim), loaded with dlopen
// because Debian's libsentencepiece carries a protobuf that collides with LibTorch's. The
// shim is looked up at $AMEM_SPM_SHIM when that is set, else next to the running program,
// else at its build location.
//
// decode() follows sentencepiece: unknown pieces render as " ⁇ ", control pieces (BOS, EOS,
// PAD) are dropped when skip_special and written as their piece (e.g. "</s>") otherwise.
#pragma once

#include <memory>
#include <string>

#include "amem/text/tokenizer.h"

struct amem_spm;  // the shim's model handle (src/text/spm_shim/spm_api.h)

namespace amem::text {

struct SpmLibrary;

class SentencepieceTokenizer : public Tokenizer {
 public:
  // Loads the shim and the model; special ids start as the model file defines them (none
  // added by encode_for_model). Throws amem::Error naming the shim or the model file.
  explicit SentencepieceTokenizer(const std::string& model_path);
  ~SentencepieceTokenizer() override;
  SentencepieceTokenizer(const SentencepieceTokenizer&) = delete;
  SentencepieceTokenizer& operator=(const SentencepieceTokenizer&) = delete;

  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special = true) const override;
  int64_t vocab_size() const override;
  std::string id_to_piece(int64_t id) const override;
  std::optional<int64_t> piece_to_id(std::string_view piece) const override;

 private:
  std::string decode_plain(const std::vector<int32_t>& ids) const;
  bool is_control(int64_t id) const;

  std::string path_;
  const SpmLibrary* library_ = nullptr;  // loaded once per process, never unloaded
  amem_spm* model_ = nullptr;
};

}  // namespace amem::text
