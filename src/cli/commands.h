// The sub-commands of the `amem` program. Each lives in its own file in this folder and
// receives the arguments that follow its name. Return value: the process exit code.
#pragma once

#include <string>
#include <vector>

#include "amem/core/error.h"

namespace amem::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
  // Whether it runs as one rank of a data-parallel launch (docs/multi_gpu.md); the others are
  // refused under one, rather than run once per process.
  bool data_parallel = false;
};

// The table main() dispatches on, in the order `amem --help` lists them.
const std::vector<Command>& commands();

// The one-line refusal (exit 2) of `amem NAME` as one of several processes: "amem NAME does not
// run data-parallel, but HOW; run it as one process (the data-parallel commands: ...)".
ConfigError not_data_parallel(const std::string& name, const std::string& how);

int run_config(const Args& args);  // config_command.cpp
int run_eval(const Args& args);     // eval_command.cpp
int run_inspect(const Args& args);  // inspect_command.cpp
int run_lm(const Args& args);       // lm_command.cpp
int run_mac(const Args& args);      // mac_command.cpp
int run_memory(const Args& args);   // memory_command.cpp
int run_train(const Args& args);    // train_command.cpp
int run_qa_tune(const Args& args);  // qa_tune_command.cpp
int run_pretrain(const Args& args); // pretrain_command.cpp
int run_report(const Args& args);   // report_command.cpp
int run_sweep(const Args& args);    // sweep_command.cpp
int run_launch(const Args& args);   // launch_command.cpp

}  // namespace amem::cli
