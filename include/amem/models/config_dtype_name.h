// The name config.json gives a tensor dtype ("dtype", formerly "torch_dtype"), as transformers'
// save_pretrained writes it, for the savers of Hugging Face folders.
#pragma once

#include <torch/torch.h>

#include <string>

namespace amem::models {

// "float32", "bfloat16" or "float16"; amem::Error naming `who` (the saver) for another dtype.
std::string config_dtype_name(torch::ScalarType dtype, const std::string& who);

}  // namespace amem::models
