#include "amem/train/training_task.h"

#include "amem/core/error.h"

namespace amem::train {

void TrainingTask::shard_data(int /*rank*/, int world_size) {
  throw ConfigError("data-parallel training (" + std::to_string(world_size) +
                    " processes): this training method does not support it yet; run it as one process");
}

}  // namespace amem::train
