// Saving a (fine-tuned) causal LM as a Hugging Face checkpoint folder, the inverse of
// load_causal_lm: `transformers.AutoModelForCausalLM.from_pretrained(dir)` and
// models::load_causal_lm(dir) both read what this writes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "amem/models/causal_lm.h"

namespace amem::models {

// Writes `out_dir` (replacing it atomically, io/atomic_folder.h) with
//   model.safetensors  every parameter and buffer, in the model's dtype, under the names
//                      transformers writes (CausalLm::checkpoint_prefix; a tied output layer
//                      is not stored, as save_pretrained drops it)
//   config.json        source_dir's, with "dtype" (and "torch_dtype" where present) set to the
//                      tensors' dtype, as save_pretrained records it
//   the tokenizer files load_tokenizer reads (text::tokenizer_file_names) and
//   generation_config.json, copied from source_dir where they exist.
// `source_dir` is the checkpoint the model was loaded from; its config must describe it.
void save_causal_lm(const CausalLm& model, const std::string& source_dir, const std::string& out_dir);

// The same for a model that has no source checkpoint (pre-trained from scratch): `config`
// is its config.json, and the tokenizer files (and generation_config.json) are copied from
// `files_dir` where they exist.
void save_causal_lm(const CausalLm& model, nlohmann::json config, const std::string& files_dir,
                    const std::string& out_dir);

}  // namespace amem::models
