// The one place that maps Hugging Face checkpoint tensors onto amem modules.
//
// amem's modules register their parameters under the names the Hugging Face implementation
// uses (GPT-2's `h.0.attn.c_attn.weight`, LLaMA's `layers.0.self_attn.q_proj.weight`, ...), so
// the mapping is a name lookup: each parameter and buffer of the module is filled from the
// checkpoint tensor of the same name after a known prefix (`transformer.`, `model.`, or none).
// Every tensor's shape is checked; a missing tensor, a wrong shape, or (unless allowed) an
// unexpected checkpoint tensor is a one-line amem::Error naming the checkpoint and tensor.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "amem/io/safetensors.h"

namespace amem::models {

struct WeightLoadOptions {
  // Prefixes tried in turn before each module name ("" = the bare name). Checkpoints of the
  // same family differ here: GPT2LMHeadModel stores `transformer.h.0...`, GPT2Model `h.0...`.
  std::vector<std::string> prefixes = {""};
  // module name -> checkpoint name, applied before the prefixes; e.g. tied output embeddings
  // {"lm_head.weight", "wte.weight"} when the checkpoint does not store lm_head.
  std::map<std::string, std::string> aliases;
  // Checkpoint tensors that may exist without a module parameter (regular expressions), such
  // as the causal-mask buffers old GPT-2 checkpoints carry (`h.\d+.attn.bias`).
  std::vector<std::string> ignore_unexpected;
  torch::ScalarType dtype = torch::kFloat32;  // floating-point tensors are converted to this
  torch::Device device = torch::kCPU;
};

// Fills every parameter and buffer of `module` (moved to opts.device / opts.dtype) from the
// checkpoint. Parameters keep their requires_grad flag.
void load_weights(torch::nn::Module& module, const io::SafetensorsCheckpoint& checkpoint,
                  const WeightLoadOptions& opts);

}  // namespace amem::models
