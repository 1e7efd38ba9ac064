#include "amem/models/model_settings.h"

#include "amem/config/config_path.h"
#include "amem/core/error.h"
#include "amem/models/load_causal_lm.h"

namespace amem::models {

const std::vector<std::string>& ModelSettings::dtypes() {
  static const std::vector<std::string> names = {"fp32", "bf16"};
  return names;
}

const std::vector<std::string>& ModelSettings::devices() {
  static const std::vector<std::string> names = {"cpu", "cuda"};
  return names;
}

void ModelSettings::declare(config::Schema& schema) {
  schema.section("model", "the base language model")
      .optional<std::string>("path", "Hugging Face checkpoint folder (GPT-2, LLaMA, Qwen2, Mistral); needed by commands that run a model")
      .field<std::string>("dtype", "fp32", "weight precision")
      .one_of(dtypes())
      .field<std::string>("device", "cpu", "where the model runs")
      .one_of(devices())
      .field<int64_t>("vocab_pad_multiple", 1,
                      "pad the output layer's GEMM to a multiple of this many vocabulary rows (zero rows whose "
                      "logits are dropped at once): 64 lets cuBLAS use its aligned tensor-core kernels for "
                      "GPT-2's 50,257 ids (~8x faster head on an H200); logits change at GEMM rounding; a "
                      "CPU gains nothing; 1: none")
      .at_least(1)
      .at_most(4096);
}

ModelSettings ModelSettings::from(const config::Config& config) {
  // Optional in the schema so that configs which run no model need no `model` section.
  if (config.is_null("model.path"))
    throw ConfigError(config.source() + ": model.path: missing (a checkpoint folder is needed)");
  ModelSettings s;
  s.path = config::existing_path(config, "model.path", config::PathKind::folder, "config.json");
  s.dtype = config.get<std::string>("model.dtype");
  s.device = config.get<std::string>("model.device");
  s.vocab_pad_multiple = config.get<int64_t>("model.vocab_pad_multiple");
  return s;
}

LoadOptions ModelSettings::load_options(bool trainable) const {
  LoadOptions o;
  o.dtype = dtype == "bf16" ? torch::kBFloat16 : torch::kFloat32;
  if (device == "cuda") {
    if (!torch::cuda::is_available()) throw ConfigError("model.device: cuda, but no CUDA device is present");
    o.device = torch::kCUDA;
  }
  o.trainable = trainable;
  o.vocab_pad_multiple = vocab_pad_multiple;
  return o;
}

}  // namespace amem::models
