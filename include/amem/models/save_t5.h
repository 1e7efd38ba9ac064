// Saving a T5ForConditionalGeneration as a Hugging Face checkpoint folder, the inverse of
// load_t5: `transformers.T5ForConditionalGeneration.from_pretrained(dir)`, models::load_t5(dir)
// and models::load_t5_encoder(dir) all read what this writes. MAC takes such a folder as its
// amortizer (the whole model) and as its question encoder (the encoder alone), with the
// tokenizer beside it (mac.amortizer, mac.question_encoder).
#pragma once

#include <string>

#include "amem/models/t5.h"

namespace amem::models {

// Writes `out_dir` (replacing it atomically, io/atomic_folder.h) with
//   model.safetensors  every parameter, in the model's dtype, under the names transformers
//                      writes: `shared.weight` once (the encoder's and decoder's embed_tokens
//                      are the same table, which save_pretrained does not repeat), and
//                      `lm_head.weight` only when the embeddings are not tied
//   config.json        t5_config_json(model.config()) with "dtype" set to the tensors' dtype
//   the tokenizer files load_tokenizer reads (text::tokenizer_file_names()) that exist in
//   tokenizer_dir (spiece.model, tokenizer_config.json, ...), copied.
// Errors: amem::Error when tokenizer_dir holds no tokenizer file or the dtype has no
// config.json name.
void save_t5(const T5ForConditionalGenerationImpl& model, const std::string& tokenizer_dir, const std::string& out_dir);

}  // namespace amem::models
