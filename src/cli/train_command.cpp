// amem train CONFIG [OVERRIDE...]: meta-trains the method the config names (train.method).
#include "amem/methods/make_training_task.h"
#include "cli/commands.h"
#include "cli/training_command.h"

namespace amem::cli {

namespace {

const char* kHelp =
    "usage: amem train CONFIG [OVERRIDE...]\n"
    "\n"
    "Trains the method named by train.method (mac, camels or qa_tune) on data.train_path, validating on\n"
    "data.val_path, in a new run folder: metrics.jsonl, validation/, checkpoint/ (resume with\n"
    "train.resume=<run>/checkpoint), best/ and last/ (the trained networks and config.yaml).\n"
    "Overrides: key=value (see `amem config keys`).\n";

}  // namespace

int run_train(const Args& args) { return run_training_command(args, "train", kHelp, methods::make_training_task); }

}  // namespace amem::cli
