// Loading a decoder-only LM from a Hugging Face checkpoint folder (config.json + safetensors).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "amem/models/causal_lm.h"

namespace amem::models {

struct LoadOptions {
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  // Base LMs are frozen in every method amem implements; fine-tuning baselines unfreeze.
  bool trainable = false;
  // model.vocab_pad_multiple (CausalLm::set_vocab_pad_multiple); 1: none.
  int64_t vocab_pad_multiple = 1;
};

// Dispatches on config.json's model_type: gpt2, llama, qwen2, mistral. Anything else, a
// config.json size that disagrees with the checkpoint's tensors (checked before any module is
// allocated), a missing, misshapen, mislabelled or non-finite tensor, or an unexpected one is a
// one-line amem::Error naming the file and the key or tensor.
// The model is returned in eval mode.
std::shared_ptr<CausalLm> load_causal_lm(const std::string& dir, const LoadOptions& options = {});

// The shape the checkpoint's config.json describes, checked against the safetensors header,
// without building the model or reading weights (for what needs only the base LM's sizes, e.g. amortizing documents). Errors as above.
CausalLmShape read_causal_lm_shape(const std::string& dir);

}  // namespace amem::models
