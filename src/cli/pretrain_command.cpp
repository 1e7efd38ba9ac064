// `amem pretrain CONFIG [OVERRIDE...]`: a new model pre-trained on text, by the objective
// pretrain.objective names (pretrain/pretraining_objectives.h).
#include <string>

#include "amem/methods/mac_only_keys.h"
#include "amem/pretrain/pretraining_objectives.h"
#include "cli/training_command.h"

namespace amem::cli {

namespace {

std::string pretrain_help() {
  std::string help =
      "usage: amem pretrain CONFIG [OVERRIDE...]\n\n"
      "Pre-trains a new model, shaped by pretrain.architecture (config.json keys) and initialised as\n"
      "transformers initialises one, on the documents of pretrain.text_paths (plain text or .xz,\n"
      "blank-line-separated) tokenized by pretrain.tokenizer; pretrain.val_documents of them are\n"
      "held out for validation. Optimisation from train.* (AdamW, schedule, grad_accum,\n"
      "max_grad_norm, bf16_autocast); model.device picks the device. The run folder gets\n"
      "metrics.jsonl, best/ (lowest validation loss) and last/ as Hugging Face checkpoint folders\n"
      "with the tokenizer files, and checkpoint/ to resume with train.resume=<run>/checkpoint.\n\n"
      "objectives (pretrain.objective):\n";
  for (const auto& objective : pretrain::pretraining_objectives())
    help += "  " + std::string(objective.name) + ": " + objective.what + "\n";
  return help;
}

}  // namespace

int run_pretrain(const Args& args) {
  static const std::string help = pretrain_help();
  return run_training_command(args, "pretrain", help.c_str(), [](const config::Config& config) {
    methods::refuse_mac_training_keys(config, "`amem pretrain`");
    const auto name = config.get<std::string>("pretrain.objective");
    for (const auto& objective : pretrain::pretraining_objectives())
      if (name == objective.name) return objective.make_task(config);
    throw std::logic_error("pretrain.objective " + name + " passed the schema but has no table entry");
  });
}

}  // namespace amem::cli
