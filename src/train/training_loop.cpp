#include "amem/train/training_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>

#include "amem/core/error.h"
#include "amem/device/autocast.h"
#include "amem/distributed/batch_shards.h"
#include "amem/distributed/gradient_all_reduce.h"
#include "amem/distributed/parameter_checksum.h"
#include "amem/distributed/process_group.h"
#include "amem/io/atomic_file.h"
#include "amem/io/atomic_folder.h"
#include "amem/io/link_tree.h"
#include "amem/run/progress.h"
#include "amem/train/finite_step.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/bf16_working_weights.h"
#include "amem/train/capturable_adamw.h"
#include "amem/train/graphed_training_step.h"
#include "amem/train/lr_schedule.h"

namespace amem::train {

namespace fs = std::filesystem;

namespace {

// Sums named values over micro-batches and reports their means, in first-seen order.
class MetricsMean {
 public:
  void add(const Metrics& metrics) {
    for (const auto& [name, value] : metrics) {
      auto it = index_.find(name);
      if (it == index_.end()) {
        it = index_.emplace(name, sums_.size()).first;
        sums_.emplace_back(name, 0.0);
        counts_.push_back(0);
      }
      sums_[it->second].second += value;
      ++counts_[it->second];
    }
  }
  Metrics means() const {
    Metrics out = sums_;
    for (size_t i = 0; i < out.size(); ++i) out[i].second /= double(counts_[i]);
    return out;
  }

 private:
  Metrics sums_;
  std::vector<int64_t> counts_;
  std::map<std::string, size_t> index_;
};

std::string step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%06lld", static_cast<long long>(step));
  return name;
}

// The task's model and the config, into `dir`, atomically.
void save_model_folder(TrainingTask& task, const fs::path& dir, const std::string& config_yaml,
                       const nlohmann::json& info) {
  io::write_folder_atomic(dir.string(), [&](const fs::path& staging) {
    task.save_model(staging);
    io::write_file_atomic((staging / "config.yaml").string(), config_yaml);
    if (!info.is_null()) io::write_file_atomic((staging / "validation.json").string(), info.dump(2) + "\n");
  });
}

nlohmann::json to_json(const Metrics& metrics) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : metrics) out[name] = value;
  return out;
}

double metric_of(const Metrics& metrics, const std::string& metric) {
  for (const auto& [name, value] : metrics)
    if (name == metric) return value;
  throw std::logic_error("TrainingTask::validate() returned no \"" + metric + "\"");
}

// The lines of the checkpoint's metrics.jsonl, checked to be whole JSON objects of steps up to
// the checkpoint's: they were copied from the log when the checkpoint was written.
std::string logged_history(const fs::path& checkpoint, int64_t step) {
  const fs::path path = checkpoint / "metrics.jsonl";
  if (!fs::exists(path)) return "";
  std::ifstream in(path, std::ios::binary);
  std::string history;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error(path.string() + ":" + std::to_string(number) + ": not a JSON line");
    }
    if (!parsed.is_object() || !parsed.contains("step") || !parsed["step"].is_number_integer() ||
        parsed["step"].get<int64_t>() > step)
      throw Error(path.string() + ":" + std::to_string(number) + ": expected a \"step\" up to the checkpoint's " +
                  std::to_string(step));
    history += line + "\n";
  }
  return history;
}

// The number of processes that trained a checkpoint: its distributed.json, which one-process
// runs do not write.
int checkpoint_world_size(const fs::path& checkpoint) {
  const fs::path path = checkpoint / "distributed.json";
  if (!fs::exists(path)) return 1;
  std::ifstream in(path, std::ios::binary);
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    throw Error(path.string() + ": not JSON");
  }
  if (!parsed.is_object() || !parsed.contains("world_size") || !parsed["world_size"].is_number_integer())
    throw Error(path.string() + ": expected {\"world_size\": N}");
  return parsed["world_size"].get<int>();
}

// Sums `values` over the ranks (in float64, in place); a no-op without a group.
void sum_over_ranks(distributed::ProcessGroup* group, std::vector<double>& values, const std::string& what) {
  if (!group) return;
  torch::Tensor t = torch::tensor(values, torch::kDouble).to(group->device());
  group->all_reduce(t, what);
  t = t.to(torch::kCPU);
  for (size_t i = 0; i < values.size(); ++i) values[i] = t[int64_t(i)].item<double>();
}

}  // namespace

TrainingRun::~TrainingRun() = default;

TrainingRun::TrainingRun(TrainingTask& task, const TrainSettings& settings, const DataParallel& parallel)
    : task_(task), settings_(settings), trainable_(task.trainable()), parallel_(parallel) {
  for (const auto& [name, tensor] : trainable_) parameters_.push_back(tensor);
  if (parameters_.empty()) throw std::logic_error("TrainingTask::trainable() is empty");
  const auto options =
      torch::optim::AdamWOptions(settings.lr).betas({0.9, 0.999}).eps(1e-8).weight_decay(settings.weight_decay);
  optimizer_ = make_adamw(parameters_, options, settings.foreach_optimizer, settings.optimizer_state_dtype);
  distributed::ProcessGroup* group = parallel.group;
  if (settings.bf16_working_weights) {
    // The config's own contradictions were refused by TrainSettings::from; these need the run.
    const auto refuse = [](const std::string& why) { throw ConfigError("train.bf16_working_weights: " + why); };
    if (group) refuse("not with data-parallel training yet (the gradient all-reduce hooks the float32 weights); run one process");
    torch::nn::Module* module = task.trained_module();
    if (!module) refuse("this method does not name the module its trained tensors belong to (MAC and CMT do)");
    working_weights_ = std::make_unique<Bf16WorkingWeights>(*module, parameters_);
    if (working_weights_->size() == 0)
      refuse("no trained tensor is a float32 Linear, Conv1D or TokenMlpBank weight that bf16 autocast would cast");
  }
  if (settings.cuda_graph) {
    // The config's own contradictions were refused by TrainSettings::from; these need the run.
    const auto refuse = [](const std::string& why) { throw ConfigError("train.cuda_graph: " + why); };
    if (const auto refusal = task.cuda_graph_refusal()) refuse(*refusal);
    if (group) refuse("not with data-parallel training yet (the gradient all-reduce is not recorded); run one process");
    graphed_ = std::make_unique<GraphedTrainingStep>(*optimizer_, settings.max_grad_norm, settings.bf16_autocast,
                                                     settings.fused_optimizer, task.device(), working_weights_.get());
    if (!graphed_->can_record())
      refuse("cannot record on " + task.device().str() + " with this build (a CUDA device and a CUDA LibTorch)");
  } else if (settings.fused_optimizer) {
    fused_adamw_ = std::make_unique<CapturableAdamW>(*optimizer_, /*fused=*/true);
  }
  if (group) {
    task.shard_data(group->rank(), group->size());
    task.shard_validation(distributed::BatchShards(group));
    all_reduce_ = std::make_unique<distributed::GradientAllReduce>(parameters_, *group, parallel.bucket_bytes);
  }
  if (!settings.resume) {
    if (group) distributed::check_same_parameters(*group, trainable_);
    // After the check, which needs the same seed everywhere; a resumed run restores each rank's
    // own generators from the checkpoint instead.
    if (group && parallel.rank_seed_base) torch::manual_seed(*parallel.rank_seed_base + uint64_t(group->rank()));
    return;
  }
  try {
    checkpoint_ = checkpoint_folder(*settings.resume);
    start_ = load_training_checkpoint(checkpoint_->string(), trainable_, *optimizer_);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("train.resume: ") + e.what());
  }
  if (settings.steps <= start_.step)
    throw ConfigError("train.steps: " + std::to_string(settings.steps) + " is not past the step of the checkpoint " +
                      checkpoint_->string() + " (" + std::to_string(start_.step) +
                      "); a resumed run goes on to the train.steps of the checkpoint's run, and a checkpoint of "
                      "that run's last step has nothing left to resume");
  const int trained_by = checkpoint_world_size(*checkpoint_);
  const int world_size = group ? group->size() : 1;
  if (trained_by != world_size)
    throw ConfigError("train.resume: " + checkpoint_->string() + " was trained by " + std::to_string(trained_by) +
                      " process(es), this run has " + std::to_string(world_size) +
                      "; resume with the same number (each micro-batch's rank and memory bank depend on it)");
  task.restore_state(start_.task);
  if (group && group->rank() > 0) {
    // The checkpoint restored rank 0's generators; this rank continues from its own.
    const std::string prefix = "rank" + std::to_string(group->rank()) + "/";
    NamedTensors mine;
    for (const auto& [name, state] : start_.rank_generators)
      if (name.rfind(prefix, 0) == 0) mine.emplace_back(name.substr(prefix.size()), state);
    restore_generator_states(mine);
  }
  if (group) distributed::check_same_parameters(*group, trainable_);
  history_ = logged_history(*checkpoint_, start_.step);
  if (start_.best && !fs::is_directory(*checkpoint_ / "best"))
    throw Error(checkpoint_->string() + ": state.json records a best validation (step " +
                std::to_string(start_.best->step) + ") but the checkpoint has no best/");
  for (const auto& [metric, kept] : start_.kept_best)
    if (!fs::is_directory(*checkpoint_ / ("best_" + metric)))
      throw Error(checkpoint_->string() + ": state.json records a best " + metric + " (step " +
                  std::to_string(kept.step) + ") but the checkpoint has no best_" + metric + "/");
}

TrainingSummary TrainingRun::run(const TrainingRunPaths& paths) {
  TrainingTask& task = task_;
  const TrainSettings& settings = settings_;
  auto& optimizer = *optimizer_;
  const LrSchedule schedule(settings.schedule, settings.lr, settings.warmup_steps, settings.steps);

  distributed::ProcessGroup* group = parallel_.group;
  const bool writes = !group || group->rank() == 0;  // rank 0 alone writes
  TrainingSummary summary;
  const ValidationSelection selection = task.selection();
  summary.best_metric = selection.metric;
  int64_t step = start_.step;
  std::optional<BestValidation> best = start_.best;
  std::map<std::string, BestValidation> kept_best = start_.kept_best;
  if (checkpoint_) {
    // The new run folder starts as the stopped one was at the checkpoint.
    if (paths.metrics) paths.metrics->append_lines(history_);
    if (best && writes) io::link_tree(*checkpoint_ / "best", paths.run_dir / "best");
    if (writes)
      for (const auto& [metric, kept] : kept_best)
        io::link_tree(*checkpoint_ / ("best_" + metric), paths.run_dir / ("best_" + metric));
    spdlog::info("resumed from {} at step {}", checkpoint_->string(), step);
  }

  // Every rank's generators (with distributed.rank_seeds=offset its dropout draws are its own),
  // gathered by all of them for rank 0's checkpoint.
  const auto other_ranks_generators = [&] {
    NamedTensors others;
    for (const auto& [name, state] : generator_states()) {
      const torch::Tensor all = group->all_gather(state.to(group->device()), "the checkpoint's generator states").cpu();
      for (int r = 1; r < group->size(); ++r) others.emplace_back("rank" + std::to_string(r) + "/" + name, all[r]);
    }
    return others;
  };
  const auto save_checkpoint = [&](NamedTensors rank_generators) {
    std::map<std::string, std::string> files = {{"config.yaml", paths.config_yaml}};
    // The log so far, so that a resumed run's log continues from exactly this step.
    if (paths.metrics) files["metrics.jsonl"] = paths.metrics->contents();
    if (group) files["distributed.json"] = nlohmann::json{{"world_size", group->size()}}.dump() + "\n";
    std::map<std::string, fs::path> folders;
    if (best) folders["best"] = paths.run_dir / "best";
    for (const auto& [metric, kept] : kept_best) folders["best_" + metric] = paths.run_dir / ("best_" + metric);
    save_training_checkpoint((paths.run_dir / "checkpoint").string(), trainable_, optimizer,
                             {step, task.state(), best, kept_best, std::move(rank_generators)}, files, folders);
  };
  // Every rank validates (its share of the batches, TrainingTask::validate); rank 0 records.
  const auto validate = [&] {
    const fs::path dir = paths.run_dir / "validation" / step_name(step);
    if (writes) fs::create_directories(dir);
    Metrics metrics;
    {
      torch::NoGradGuard no_grad;  // validation never trains; tasks need not remember
      metrics = task.validate(dir);
    }
    if (!writes) return;
    const double value = metric_of(metrics, selection.metric);
    Metrics logged;
    for (const auto& [name, value] : metrics) logged.emplace_back("val_" + name, value);
    if (paths.metrics) paths.metrics->log(step, logged);
    std::string line;
    for (const auto& [name, value] : metrics) {
      char item[96];
      std::snprintf(item, sizeof item, " %s %.4f", name.c_str(), value);
      line += item;
    }
    spdlog::info("validation at step {}:{}", step, line);
    summary.last_validation = metrics;
    if (!best || (selection.higher_is_better ? value > best->value : value < best->value)) {
      best = BestValidation{value, step};
      save_model_folder(task, paths.run_dir / "best", paths.config_yaml,
                        {{"step", step}, {"metrics", to_json(metrics)}});
    }
    // train.keep_best: the reference MAC trainer also keeps its best validation loss and best EM
    // (M:train/train_func/amortize_encdec.py:71-89), each in its own file.
    for (const auto& wanted : settings.keep_best) {
      const auto found = std::find_if(metrics.begin(), metrics.end(), [&](const auto& m) { return m.first == wanted.metric; });
      if (found == metrics.end()) {
        std::string names;
        for (const auto& m : metrics) names += (names.empty() ? "" : ", ") + m.first;
        throw ConfigError("train.keep_best: validation gives no metric '" + wanted.metric + "' (it gives: " + names + ")");
      }
      const auto kept = kept_best.find(wanted.metric);
      if (kept != kept_best.end() &&
          !(wanted.higher_is_better ? found->second > kept->second.value : found->second < kept->second.value))
        continue;
      kept_best[wanted.metric] = BestValidation{found->second, step};
      save_model_folder(task, paths.run_dir / ("best_" + wanted.metric), paths.config_yaml,
                        {{"step", step}, {"metrics", to_json(metrics)}});
    }
  };

  // Rank 0 shows the progress; the others' output stream discards it.
  static std::ostream discarded(nullptr);
  run::ProgressOutput progress_output = run::ProgressOutput::standard();
  if (!writes) progress_output.stream = &discarded;
  run::Progress progress("train", settings.steps - step, progress_output);
  const double infinity = std::numeric_limits<double>::infinity();
  while (step < settings.steps) {
    const auto start = std::chrono::steady_clock::now();
    MetricsMean means;
    double loss_sum = 0;
    int64_t tokens = 0;
    Metrics micro_means;
    double grad_norm = 0;
    const double lr = schedule.lr(step);
    if (graphed_) {
      // train.cuda_graph: the same step, recorded once and replayed (graphed_training_step.h).
      std::vector<TensorBatch> micro_batches;
      for (int64_t micro = 0; micro < settings.grad_accum; ++micro) {
        micro_batches.push_back(task.next_tensor_batch());
        tokens += micro_batches.back().tokens;
      }
      schedule.apply(optimizer, step);
      const auto result = graphed_->step(micro_batches, [&](const std::vector<torch::Tensor>& tensors, bool with_metrics) {
        return task.loss_on_tensors(tensors, with_metrics);
      });
      loss_sum = result.loss_sum;
      grad_norm = result.grad_norm;
      if (step + 1 - start_.step == 20 && graphed_->recordings() == 0)
        spdlog::warn("train.cuda_graph: 20 steps and nothing recorded: the batches' shapes change from step to step "
                     "(pad them to fixed lengths; MAC: mac.pad_documents_to, mac.train_question_layout=left_pad:N, "
                     "mac.qa_layout=reference)");
      for (const auto& metrics : result.metrics) means.add(metrics);
      micro_means = means.means();
    } else {
      optimizer.zero_grad();
      if (working_weights_) working_weights_->refresh();  // from the weights the last update wrote
      for (int64_t micro = 0; micro < settings.grad_accum; ++micro) {
        StepOutput out;
        {
          // The bfloat16 copies in place of their weights over forward and backward.
          const auto substitution = working_weights_ ? working_weights_->substitute() : nullptr;
          {
            device::Bf16Autocast autocast(settings.bf16_autocast, task.device());
            out = task.compute_loss();
          }
          // Backward outside the autocast scope, as torch.autocast's documentation asks.
          if (all_reduce_) all_reduce_->set_sync(micro == settings.grad_accum - 1);
          (out.loss / double(settings.grad_accum)).backward();
        }
        if (working_weights_) working_weights_->gather_gradients(micro == 0);
        loss_sum += out.loss.item<double>();
        means.add(out.metrics);
        means.add(metrics_on_host(out.device_metrics));
        tokens += out.tokens;
      }
      micro_means = means.means();
      if (all_reduce_) {
        all_reduce_->finish();
        // The logged values of all ranks: one small all-reduce, also so that every rank sees a
        // diverged loss and stops at the same step.
        std::vector<double> values = {loss_sum, double(tokens)};
        for (const auto& m : micro_means) values.push_back(m.second);
        sum_over_ranks(group, values, "the step's metrics");
        loss_sum = values[0] / double(group->size());
        tokens = int64_t(values[1]);
        for (size_t i = 0; i < micro_means.size(); ++i) micro_means[i].second = values[i + 2] / double(group->size());
      }
      const double max_norm = settings.max_grad_norm.value_or(infinity);
      grad_norm = settings.foreach_optimizer ? clip_grad_norm_foreach(parameters_, max_norm)
                                             : torch::nn::utils::clip_grad_norm_(parameters_, max_norm);
      schedule.apply(optimizer, step);
      if (fused_adamw_)
        fused_adamw_->step();
      else
        optimizer.step();
    }
    ++step;
    progress.advance();

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (step % settings.log_every == 0 || step == settings.steps) {
      Metrics logged = {{"loss", loss_sum / double(settings.grad_accum)}};
      for (const auto& m : micro_means) logged.push_back(m);
      logged.insert(logged.end(), {{"grad_norm", grad_norm},
                                   {"lr", lr},
                                   {"tokens_per_s", double(tokens) / seconds},
                                   {"step_seconds", seconds}});
      if (graphed_) logged.emplace_back("cuda_graph_recordings", double(graphed_->recordings()));
      if (paths.metrics) paths.metrics->log(step, logged);
    }
    if (!std::isfinite(loss_sum)) throw Error("training diverged at step " + std::to_string(step) + ": the loss is " +
                                              (std::isnan(loss_sum) ? std::string("nan") : std::to_string(loss_sum)) + " (lower train.lr or set train.max_grad_norm)");
    // A finite loss can still be followed by a step that overflows the weights (a huge lr):
    // validation and checkpoints must never see them.
    check_finite_step("training diverged at step " + std::to_string(step), torch::Tensor(), trainable_);
    const bool last = step == settings.steps;
    const bool save = last || (settings.save_every > 0 && step % settings.save_every == 0);
    const NamedTensors rank_generators = group && save ? other_ranks_generators() : NamedTensors{};
    if (last || (settings.eval_every > 0 && step % settings.eval_every == 0)) validate();
    if (save && writes) save_checkpoint(rank_generators);
  }
  progress.finish();
  if (writes) save_model_folder(task, paths.run_dir / "last", paths.config_yaml, nullptr);
  if (group) {
    // The other ranks end when rank 0 has written everything: a failure there fails them too.
    std::vector<double> done = {1};
    sum_over_ranks(group, done, "the end of training (waiting for rank 0 to save)");
  }
  summary.steps = step;
  if (best) {
    summary.best_value = best->value;
    summary.best_step = best->step;
  }
  return summary;
}

TrainingSummary run_training(TrainingTask& task, const TrainSettings& settings, const TrainingRunPaths& paths) {
  return TrainingRun(task, settings).run(paths);
}

}  // namespace amem::train
