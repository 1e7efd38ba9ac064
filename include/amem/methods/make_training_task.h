// The training task `amem train` runs, by the config's train.method: one line per method in
// the table in make_training_task.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/train/training_task.h"

namespace amem::methods {

// The method `amem qa-tune` trains (train/qa_tuning_task.h); `amem train` trains it too.
inline constexpr const char* kQaTuneMethod = "qa_tune";

// Throws amem::ConfigError when train.method is missing (the schema refuses other names).
std::unique_ptr<train::TrainingTask> make_training_task(const config::Config& config);

// The method names the table knows, in its order: the choices of train.method in the schema.
std::vector<std::string> training_methods();

}  // namespace amem::methods
