#include "amem/pretrain/pretraining_device.h"

#include "amem/core/error.h"

namespace amem::pretrain {

torch::Device pretraining_device(const config::Config& config) {
  if (config.get<std::string>("model.dtype") != "fp32")
    throw ConfigError(config.source_of("model.dtype") + ": model.dtype: " + config.get<std::string>("model.dtype") +
                      " is not trained by `amem pretrain`, which keeps float32 weights (set train.bf16_autocast for "
                      "a bf16 forward)");
  if (config.get<std::string>("model.device") != "cuda") return torch::kCPU;
  if (!torch::cuda::is_available()) throw ConfigError("model.device: cuda, but no CUDA device is present");
  return torch::kCUDA;
}

}  // namespace amem::pretrain
