// What `amem pretrain` can train: one line per objective (pretrain.objective), each making the
// training task the shared loop runs (train/training_loop.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/train/training_task.h"

namespace amem::pretrain {

struct PretrainingObjective {
  const char* name;  // pretrain.objective
  const char* what;  // one line for --help
  // The task, with its model built from pretrain.architecture and its corpus tokenized.
  std::unique_ptr<train::TrainingTask> (*make_task)(const config::Config& config);
};

const std::vector<PretrainingObjective>& pretraining_objectives();
std::vector<std::string> pretraining_objective_names();

}  // namespace amem::pretrain
