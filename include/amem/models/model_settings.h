// The `model` section of a config: which checkpoint a run uses, in which precision, where.
#pragma once

#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::models {

struct LoadOptions;  // load_causal_lm.h; kept out of this header so config code stays torch-free

struct ModelSettings {
  std::string path;    // Hugging Face checkpoint folder (config.json, safetensors, tokenizer)
  std::string dtype;   // fp32 or bf16
  std::string device;  // cpu or cuda
  // Pad the output layer's GEMM to a multiple of this many vocabulary rows
  // (CausalLm::set_vocab_pad_multiple); 1: no padding.
  int64_t vocab_pad_multiple = 1;

  // The choices of model.dtype ("fp32", "bf16") and model.device ("cpu", "cuda"): one list each
  // for the schema and for `amem lm`'s --dtype and --device.
  static const std::vector<std::string>& dtypes();
  static const std::vector<std::string>& devices();

  static void declare(config::Schema& schema);
  static ModelSettings from(const config::Config& config);

  // Throws amem::ConfigError when device is cuda and no CUDA device is present.
  LoadOptions load_options(bool trainable) const;
};

}  // namespace amem::models
