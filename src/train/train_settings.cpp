#include "amem/train/train_settings.h"

#include <cmath>
#include <filesystem>

#include "amem/config/config_path.h"
#include "amem/core/error.h"
#include "amem/methods/make_training_task.h"
#include "amem/train/capturable_adamw.h"
#include "amem/train/lr_schedule.h"

namespace amem::train {

void TrainSettings::declare(config::Schema& schema) {
  schema.section("train", "optimisation of `amem train` and `amem qa-tune`")
      .optional<std::string>("method", "what `amem train` trains (the table of methods/make_training_task.cpp); `amem qa-tune` is qa_tune")
      .one_of(methods::training_methods())
      .field<int64_t>("steps", 1000, "optimiser steps")
      .at_least(1)
      .field<int64_t>("batch_size", 8, "examples per micro-batch")
      .at_least(1)
      .field<int64_t>("grad_accum", 1, "micro-batches whose gradients make one optimiser step")
      .at_least(1)
      .field<int64_t>("max_tokens", 512, "training sequences (documents, question + answer) are cut to this many tokens")
      .at_least(2)
      .field<double>("lr", 1e-5, "peak learning rate (AdamW)")
      .positive()
      .field<double>("weight_decay", 0.0, "AdamW weight decay")
      .at_least(0)
      .field<std::string>("schedule", "constant_with_warmup", "learning-rate schedule after warm-up")
      .one_of(LrSchedule::names())
      .field<double>("warmup_ratio", 0.01, "share of the steps spent warming up linearly")
      .at_least(0)
      .at_most(1)
      .optional<double>("max_grad_norm", "clip the gradient's global L2 norm to this; null: no clipping")
      .positive()
      .field<int64_t>("log_every", 10, "steps between metric lines")
      .at_least(1)
      .field<int64_t>("metrics_every", 1, "MAC/CMT: steps between the training step's extra no-grad metric forwards (qa_loss_base, text_loss, ...; the step's own metric lines only, as logged); the loss does not change; 1: every step")
      .at_least(1)
      .field<int64_t>("eval_every", 100, "steps between validations (and best-checkpoint updates); 0: at the end only")
      .at_least(0)
      .field<int64_t>("save_every", 100, "steps between resumable checkpoints; 0: at the end only")
      .at_least(0)
      .field<int64_t>("val_documents", -1, "validation documents used (the first N); -1: all")
      .at_least(1)
      .or_exactly(-1)
      .field<std::vector<std::string>>("keep_best", std::vector<std::string>{},
                                       "more best models, each METRIC:max or METRIC:min of the validation metrics, "
                                       "kept in best_METRIC/ beside best/ (MAC reference: [qa_loss:min, em:max])")
      .field<bool>("bf16_autocast", false, "autocast the forward to bfloat16 on CUDA, as the reference's bf16 runs")
      .field<bool>("foreach_optimizer", false,
                   "AdamW and gradient clipping on tensor lists (LibTorch's _foreach kernels: a few launches per "
                   "step instead of ~10 per parameter); same state and arithmetic, last-bit differences on CUDA "
                   "(train/foreach_adamw.h)")
      .field<std::string>("optimizer_state_dtype", "fp32",
                          "precision AdamW stores its moments (exp_avg, exp_avg_sq) in: fp32, or bf16 (half the "
                          "memory; the update computes in fp32 and stores rounded to nearest, as torchao's "
                          "bf16-state AdamW); a checkpoint resumes only with its own")
      .one_of({"fp32", "bf16"})
      .field<bool>("fused_optimizer", false,
                   "AdamW as LibTorch's fused kernel (at::_fused_adamw_, torch.optim.AdamW(fused=True)): one pass "
                   "over each parameter and its moments instead of ~10 elementwise kernels; float32 rounding "
                   "differences; LibTorch >= 2.4, moments in the parameters' dtype (not "
                   "train.optimizer_state_dtype=bf16) (train/capturable_adamw.h)")
      .field<bool>("cuda_graph", false,
                   "record the optimiser step (forward, backward, clipping, AdamW) as a CUDA graph once and "
                   "replay it while the batches keep their shapes (a new layout runs eagerly, then records; with "
                   "train.metrics_every=1 the metric forwards are recorded too, with N > 1 the steps with metrics "
                   "run eagerly); one CUDA process, MAC and CMT; float rounding (train/graphed_training_step.h)")
      .field<bool>("bf16_working_weights", false,
                   "keep bfloat16 working copies of the trained weights bf16 autocast casts (Linear, GPT-2 "
                   "Conv1D, MAC's per-token MLP banks), refreshed from the float32 weights in one batched cast "
                   "per step, and gather their gradients in one more, instead of autocast's per-tensor casts; "
                   "the same values as autocast's step; needs train.bf16_autocast on CUDA, one process, MAC "
                   "or CMT (train/bf16_working_weights.h)")
      .optional<std::string>("resume", "checkpoint folder to continue from (<run>/checkpoint)");
}

namespace {

// train.cuda_graph where the config alone shows it cannot record (graphed_training_step.h), so
// that `amem train` and `amem sweep`'s check stop before any data or model is read. The number
// of processes is known only when the run starts (TrainingRun).
void refuse_cuda_graph_where_it_cannot_record(const config::Config& config, const TrainSettings& s) {
  const auto refuse = [&](const std::string& why) {
    throw ConfigError(config.source_of("train.cuda_graph") + ": train.cuda_graph: " + why);
  };
  const std::string method = config.is_null("train.method") ? "" : config.get<std::string>("train.method");
  if (method != "mac")
    refuse("records MAC and CMT training only (train.method: mac), and this config trains " +
           (method.empty() ? std::string("with no train.method (amem qa-tune, amem pretrain)") : "train.method: " + method) +
           "; set it to false");
  if (s.foreach_optimizer)
    refuse("replaces train.foreach_optimizer (a replay launches the whole step at once); set one of them to false");
  const auto checkpointing = config.get<std::string>("mac.activation_checkpointing");
  if (checkpointing != "none")
    refuse("not with mac.activation_checkpointing=" + checkpointing +
           " (its recomputation restores generator states, which a graph cannot record); set one of them off");
  const auto device = config.get<std::string>("model.device");
  if (device != "cuda") refuse("records CUDA work, and this run trains on " + device + " (set model.device=cuda)");
}

// train.fused_optimizer where the config or the build cannot have it.
void refuse_fused_optimizer_where_it_cannot_run(const config::Config& config, const TrainSettings& s) {
  const auto refuse = [&](const std::string& why) {
    throw ConfigError(config.source_of("train.fused_optimizer") + ": train.fused_optimizer: " + why);
  };
  if (!CapturableAdamW::fused_available())
    refuse("needs LibTorch 2.4 or newer (at::_fused_adamw_), and this build has " TORCH_VERSION "; set it to false");
  if (s.foreach_optimizer) refuse("replaces train.foreach_optimizer's AdamW; set one of them to false");
  if (s.optimizer_state_dtype != torch::kFloat32)
    refuse("keeps AdamW's moments in the parameters' dtype, not with train.optimizer_state_dtype=bf16; set one of "
           "them back");
}

// train.bf16_working_weights where the config alone shows that it cannot apply. The number of
// processes and the task's module are known only when the run starts (TrainingRun).
void refuse_working_weights_where_they_cannot_apply(const config::Config& config, const TrainSettings& s) {
  const auto refuse = [&](const std::string& why) {
    throw ConfigError(config.source_of("train.bf16_working_weights") + ": train.bf16_working_weights: " + why);
  };
  if (!s.bf16_autocast)
    refuse("replaces the casts of train.bf16_autocast, which is false (a float32 input would meet a bfloat16 "
           "weight); set train.bf16_autocast=true or this to false");
  const std::string method = config.is_null("train.method") ? "" : config.get<std::string>("train.method");
  if (method != "mac")
    refuse("applies to MAC and CMT training only (train.method: mac), and this config trains " +
           (method.empty() ? std::string("with no train.method (amem qa-tune, amem pretrain)") : "train.method: " + method) +
           "; set it to false");
  const auto device = config.get<std::string>("model.device");
  if (device != "cuda") refuse("needs CUDA's autocast, and this run trains on " + device + " (set model.device=cuda)");
}

}  // namespace

TrainSettings TrainSettings::from(const config::Config& config) {
  TrainSettings s;
  s.steps = config.get<int64_t>("train.steps");
  s.batch_size = config.get<int64_t>("train.batch_size");
  s.grad_accum = config.get<int64_t>("train.grad_accum");
  s.max_tokens = config.get<int64_t>("train.max_tokens");
  s.lr = config.get<double>("train.lr");
  s.weight_decay = config.get<double>("train.weight_decay");
  s.schedule = config.get<std::string>("train.schedule");
  s.warmup_steps = static_cast<int64_t>(std::floor(config.get<double>("train.warmup_ratio") * double(s.steps)));
  if (!config.is_null("train.max_grad_norm")) s.max_grad_norm = config.get<double>("train.max_grad_norm");
  s.log_every = config.get<int64_t>("train.log_every");
  s.eval_every = config.get<int64_t>("train.eval_every");
  s.save_every = config.get<int64_t>("train.save_every");
  s.val_documents = config.get<int64_t>("train.val_documents");
  s.bf16_autocast = config.get<bool>("train.bf16_autocast");
  s.foreach_optimizer = config.get<bool>("train.foreach_optimizer");
  s.cuda_graph = config.get<bool>("train.cuda_graph");
  if (s.cuda_graph) refuse_cuda_graph_where_it_cannot_record(config, s);
  s.optimizer_state_dtype =
      config.get<std::string>("train.optimizer_state_dtype") == "bf16" ? torch::kBFloat16 : torch::kFloat32;
  s.fused_optimizer = config.get<bool>("train.fused_optimizer");
  if (s.fused_optimizer) refuse_fused_optimizer_where_it_cannot_run(config, s);
  s.bf16_working_weights = config.get<bool>("train.bf16_working_weights");
  if (s.bf16_working_weights) refuse_working_weights_where_they_cannot_apply(config, s);
  for (const auto& entry : config.get<std::vector<std::string>>("train.keep_best")) {
    const auto colon = entry.rfind(':');
    const std::string metric = colon == std::string::npos ? "" : entry.substr(0, colon);
    const std::string way = colon == std::string::npos ? "" : entry.substr(colon + 1);
    const bool named = !metric.empty() && metric.find_first_of("/\\ ") == std::string::npos;
    if (!named || (way != "max" && way != "min"))
      throw ConfigError(config.source_of("train.keep_best") + ": train.keep_best: expected METRIC:max or METRIC:min, got '" +
                        entry + "'");
    for (const auto& kept : s.keep_best)
      if (kept.metric == metric)
        throw ConfigError(config.source_of("train.keep_best") + ": train.keep_best: '" + metric + "' is listed twice");
    s.keep_best.push_back({metric, way == "max"});
  }
  if (!config.is_null("train.resume")) {
    // A kill between the two renames of the checkpoint's atomic swap leaves only "<dir>.old",
    // which loading falls back to (checkpoint_folder); the path the user knows stays valid.
    const auto resume = config.get<std::string>("train.resume");
    s.resume = !std::filesystem::exists(resume) && std::filesystem::is_directory(resume + ".old")
                   ? resume
                   : config::existing_path(config, "train.resume", config::PathKind::folder, "state.json");
  }
  return s;
}

}  // namespace amem::train
