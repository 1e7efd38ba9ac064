// `amem qa-tune CONFIG [OVERRIDE...]`: QA pre-tuning of a base LM (train/qa_tuning_task.h).
#include "amem/core/error.h"
#include "amem/methods/mac_only_keys.h"
#include "amem/methods/make_training_task.h"
#include "amem/train/qa_tuning_task.h"
#include "cli/training_command.h"

namespace amem::cli {

int run_qa_tune(const Args& args) {
  static const char* help =
      "usage: amem qa-tune CONFIG [OVERRIDE...]\n\n"
      "Fine-tunes the base LM (model.path) on the question-answer pairs of data.train_path with\n"
      "the answer-only loss, as CaMeLS and MAC prepare their base models. Optimisation from\n"
      "train.* (AdamW, schedule, grad_accum, max_grad_norm, bf16_autocast); every\n"
      "train.eval_every steps the validation questions (data.val_path) are answered greedily\n"
      "and scored. The run folder gets metrics.jsonl, validation/step-N/, best/ (highest F1)\n"
      "and last/ as Hugging Face checkpoints, and checkpoint/ to resume with\n"
      "train.resume=<run>/checkpoint.\n";
  return run_training_command(args, "qa-tune", help, [](const config::Config& config) {
    // A config written for another method (train.method: mac) is a mistake, not a QA-tuning.
    if (!config.is_null("train.method") && config.get<std::string>("train.method") != methods::kQaTuneMethod)
      throw ConfigError(config.source_of("train.method") + ": train.method: '" + config.get<std::string>("train.method") +
                        "' is trained by `amem train`; `amem qa-tune` trains " + methods::kQaTuneMethod +
                        " (remove the key or set it to " + methods::kQaTuneMethod + ")");
    methods::refuse_mac_training_keys(config, "`amem qa-tune`");
    return std::make_unique<train::QaTuningTask>(config);
  });
}

}  // namespace amem::cli
