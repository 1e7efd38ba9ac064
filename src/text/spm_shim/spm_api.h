// The C interface of the amem_spm wrapper around sentencepiece (see CMakeLists.txt beside
// this file for why it is a separately loaded library). Plain C types only, so that nothing
// from sentencepiece or protobuf crosses into the program.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amem_spm amem_spm;

// Returns NULL on failure and writes a message (NUL-terminated, truncated) into err.
amem_spm* amem_spm_load(const char* model_path, char* err, size_t err_size);
void amem_spm_free(amem_spm* model);

// Encodes text into ids. Returns the number of ids; when it exceeds capacity nothing useful
// was written and the caller retries with a larger buffer. Returns -1 on error.
int64_t amem_spm_encode(const amem_spm* model, const char* text, size_t text_size, int32_t* ids,
                        int64_t capacity);
// Decodes ids into text. Same size protocol as encode (bytes, no NUL). -1 on error.
int64_t amem_spm_decode(const amem_spm* model, const int32_t* ids, int64_t n, char* out,
                        int64_t capacity);

int32_t amem_spm_vocab_size(const amem_spm* model);
// The piece of an id (NUL-terminated, owned by the model; valid until amem_spm_free).
const char* amem_spm_id_to_piece(const amem_spm* model, int32_t id);
int32_t amem_spm_piece_to_id(const amem_spm* model, const char* piece);  // unk id if absent
// Special ids as the model file defines them; -1 when the model has none.
int32_t amem_spm_unk_id(const amem_spm* model);
int32_t amem_spm_bos_id(const amem_spm* model);
int32_t amem_spm_eos_id(const amem_spm* model);
int32_t amem_spm_pad_id(const amem_spm* model);
// 1 when the id is a control or unknown symbol (dropped by decode with skip_special).
int32_t amem_spm_is_control(const amem_spm* model, int32_t id);

#ifdef __cplusplus
}
#endif
