// What `amem train` and `amem qa-tune` share: read the config (and overrides), seed, build the
// command's training task, train it in a new run folder (train/training_loop.h), print a summary.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "amem/config/config.h"
#include "amem/train/training_task.h"
#include "cli/commands.h"

namespace amem::cli {

using MakeTrainingTask = std::function<std::unique_ptr<train::TrainingTask>(const config::Config&)>;

// args: CONFIG [OVERRIDE...] of `command` ("train"); `help` is printed for --help (exit 0) or
// no arguments (exit 2).
int run_training_command(const Args& args, const std::string& command, const char* help,
                         const MakeTrainingTask& make_task);

}  // namespace amem::cli
