// Where `amem pretrain` trains, for every objective: model.device, with float32 weights
// (model.dtype fp32; train.bf16_autocast gives a bf16 forward).
#pragma once

#include <torch/torch.h>

#include "amem/config/config.h"

namespace amem::pretrain {

// amem::ConfigError naming model.dtype when it is not fp32, or model.device when it is cuda
// and no CUDA device is present.
torch::Device pretraining_device(const config::Config& config);

}  // namespace amem::pretrain
