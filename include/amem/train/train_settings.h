// The `train` section of a config: the optimisation every training command shares
// (`amem train` for the meta-learned methods, `amem qa-tune` for QA pre-tuning).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"

namespace amem::train {

// A validation metric whose best model is kept in its own folder, best_<metric>/ (train.keep_best).
struct KeptBest {
  std::string metric;
  bool higher_is_better = true;
};

struct TrainSettings {
  int64_t steps;         // optimiser steps
  int64_t batch_size;    // examples per micro-batch
  int64_t grad_accum;    // micro-batches per optimiser step
  int64_t max_tokens;    // training sequences are cut to this many tokens (lm_batch.h)
  double lr;
  double weight_decay;   // AdamW's decoupled decay
  std::string schedule;  // lr_schedule.h names
  int64_t warmup_steps;  // from warmup_ratio × steps, rounded down as the reference does
  std::optional<double> max_grad_norm;  // none: no clipping
  int64_t log_every, eval_every, save_every;  // in optimiser steps; 0 turns eval/save off mid-run
  int64_t val_documents;  // validation documents used; -1: all
  bool bf16_autocast;     // autocast to bfloat16 on CUDA (no effect on CPU)
  bool foreach_optimizer = false;  // ForeachAdamW + clip_grad_norm_foreach (train/foreach_adamw.h)
  torch::ScalarType optimizer_state_dtype = torch::kFloat32;  // AdamW's moments: kFloat32 or kBFloat16 (make_adamw)
  bool fused_optimizer = false;  // AdamW's update as at::_fused_adamw_ (train/capturable_adamw.h)
  bool cuda_graph = false;  // record the step as a CUDA graph and replay it (graphed_training_step.h)
  bool bf16_working_weights = false;  // bfloat16 copies of the cast weights (train/bf16_working_weights.h)
  std::vector<KeptBest> keep_best;    // more best models besides best/ (train.keep_best)
  std::optional<std::string> resume;  // a checkpoint folder of an earlier run

  static void declare(config::Schema& schema);
  static TrainSettings from(const config::Config& config);
};

}  // namespace amem::train
