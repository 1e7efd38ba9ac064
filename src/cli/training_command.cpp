#include "cli/training_command.h"

#include <torch/torch.h>


#include <cstdio>
#include <iostream>
#include <memory>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/distributed/distributed_settings.h"
#include "amem/distributed/process_group.h"
#include "amem/memory/memory_settings.h"
#include "amem/run/run_dir.h"
#include "amem/run/run_settings.h"
#include "amem/train/resume_config.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_checkpoint.h"
#include "amem/train/training_loop.h"
#include "cli/command_line.h"
#include "cli/launched_group.h"

namespace amem::cli {

int run_training_command(const Args& args, const std::string& command, const char* help,
                         const MakeTrainingTask& make_task) {
  if (args.empty()) {
    std::cout << help;
    return 2;
  }
  const auto arguments = parse_config_arguments(args, command, [help] { std::cout << help; });
  if (!arguments) return 0;
  const auto config = config::load_config(config::amem_schema(), arguments->config, arguments->overrides);
  // No training reads memory.*: MAC's validation answers from banks of its own (one per
  // mac.context_windows entry, never saved), so a memory key set here would be silently ignored.
  if (const auto set = memory::memory_keys_set(config); !set.empty())
    throw ConfigError(config.source_of(set.front()) + ": " + set.front() + ": set, but `amem " + command +
                      "` does not read it (memory.* is read by `amem eval` with eval.adapter: mac and by "
                      "`amem memory build`); leave it at its default");
  // Everything is read and loaded before the run folder exists (the train.resume checkpoint
  // too), so a mistake leaves no folder.
  const auto settings = train::TrainSettings::from(config);
  // Under a launcher with several processes (docs/multi_gpu.md), this one joins the others
  // first; with one process there is no group at all.
  const auto group = join_launched_group(config);
  train::DataParallel parallel;
  // The same seed on every rank: identical initialisation, which TrainingRun checks.
  const auto seed = uint64_t(run::RunSettings::from(config).seed);
  if (group) {
    const auto distributed = distributed::DistributedSettings::from(config);
    parallel = {group.get(), distributed.bucket_bytes};
    if (distributed.offset_rank_seeds) parallel.rank_seed_base = seed;
  }
  torch::manual_seed(seed);
  auto task = make_task(config);
  train::TrainingRun training(*task, settings, parallel);  // loads train.resume's checkpoint
  // After loading, so that a folder that is no checkpoint (or one of another shape) is named as
  // such; a checkpoint that loads but was trained with another config is refused here.
  if (settings.resume) train::check_resume_config(config, train::checkpoint_folder(*settings.resume));

  if (group && group->rank() != 0) {
    training.run({});
    return 0;
  }
  // A run that fails once its folder exists is marked failed in it.
  run::RunDir run_dir(config);
  try {
    const auto summary = training.run({run_dir.path(), &run_dir.metrics(), config.to_yaml()});
    if (summary.best_value) {
      const bool f1 = summary.best_metric == "f1";
      std::printf("trained %lld steps; best validation %s %.*f at step %lld; models in %s/{best,last}\n",
                  static_cast<long long>(summary.steps), f1 ? "F1" : summary.best_metric.c_str(), f1 ? 2 : 4,
                  *summary.best_value, static_cast<long long>(summary.best_step), run_dir.path().string().c_str());
    }
  } catch (const std::exception& e) {
    run_dir.mark_failed(e);
    throw;
  }
  return 0;
}

}  // namespace amem::cli
