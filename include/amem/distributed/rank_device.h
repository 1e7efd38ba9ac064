// The device a rank of a data-parallel run trains on: one process per GPU, as torchrun runs them.
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/distributed/launch_environment.h"

namespace amem::distributed {

// model.device "cpu": the CPU. "cuda": cuda:LOCAL_RANK, made the current CUDA device, so that
// everything the run puts on "cuda" lands on this rank's GPU. amem::ConfigError naming
// LOCAL_RANK when this machine has no such GPU.
torch::Device select_rank_device(const LaunchEnvironment& env, const std::string& model_device);

}  // namespace amem::distributed
