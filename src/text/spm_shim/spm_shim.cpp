// The only code that touches sentencepiece: a thin C wrapper (spm_api.h) compiled into
// libamem_spm.so, which the program loads with dlopen. Exceptions never cross the boundary.
#include <sentencepiece_processor.h>

#include <cstring>
#include <string>
#include <vector>

#include "spm_shim/spm_api.h"

#define AMEM_SPM_EXPORT extern "C" __attribute__((visibility("default")))

struct amem_spm {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

void write_error(char* err, size_t err_size, const std::string& message) {
  if (!err || err_size == 0) return;
  size_t n = std::min(message.size(), err_size - 1);
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

}  // namespace

AMEM_SPM_EXPORT amem_spm* amem_spm_load(const char* model_path, char* err, size_t err_size) {
  auto* model = new (std::nothrow) amem_spm;
  if (!model) return nullptr;
  const auto status = model->processor.Load(model_path);
  if (!status.ok()) {
    write_error(err, err_size, status.ToString());
    delete model;
    return nullptr;
  }
  return model;
}

AMEM_SPM_EXPORT void amem_spm_free(amem_spm* model) { delete model; }

AMEM_SPM_EXPORT int64_t amem_spm_encode(const amem_spm* model, const char* text, size_t text_size,
                                        int32_t* ids, int64_t capacity) {
  std::vector<int> out;
  if (!model->processor.Encode(std::string(text, text_size), &out).ok()) return -1;
  const auto n = static_cast<int64_t>(out.size());
  if (n <= capacity) std::copy(out.begin(), out.end(), ids);
  return n;
}

AMEM_SPM_EXPORT int64_t amem_spm_decode(const amem_spm* model, const int32_t* ids, int64_t n,
                                        char* out, int64_t capacity) {
  std::string text;
  std::vector<int> in(ids, ids + n);
  if (!model->processor.Decode(in, &text).ok()) return -1;
  const auto size = static_cast<int64_t>(text.size());
  if (size <= capacity) std::memcpy(out, text.data(), text.size());
  return size;
}

AMEM_SPM_EXPORT int32_t amem_spm_vocab_size(const amem_spm* model) {
  return model->processor.GetPieceSize();
}

AMEM_SPM_EXPORT const char* amem_spm_id_to_piece(const amem_spm* model, int32_t id) {
  if (id < 0 || id >= model->processor.GetPieceSize()) return nullptr;
  return model->processor.IdToPiece(id).c_str();
}

AMEM_SPM_EXPORT int32_t amem_spm_piece_to_id(const amem_spm* model, const char* piece) {
  return model->processor.PieceToId(piece);
}

AMEM_SPM_EXPORT int32_t amem_spm_unk_id(const amem_spm* model) { return model->processor.unk_id(); }
AMEM_SPM_EXPORT int32_t amem_spm_bos_id(const amem_spm* model) { return model->processor.bos_id(); }
AMEM_SPM_EXPORT int32_t amem_spm_eos_id(const amem_spm* model) { return model->processor.eos_id(); }
AMEM_SPM_EXPORT int32_t amem_spm_pad_id(const amem_spm* model) { return model->processor.pad_id(); }

AMEM_SPM_EXPORT int32_t amem_spm_is_control(const amem_spm* model, int32_t id) {
  return model->processor.IsControl(id) || model->processor.IsUnknown(id);
}
