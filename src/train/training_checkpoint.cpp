#include "amem/train/training_checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>

#include "amem/core/error.h"
#include "amem/device/cuda_devices.h"
#include "amem/io/atomic_file.h"
#include "amem/io/atomic_folder.h"
#include "amem/io/link_tree.h"
#include "amem/io/safetensors.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/optimizer_state_key.h"

namespace amem::train {

namespace fs = std::filesystem;

namespace {

// The optimiser states amem uses, as (field name, tensor) pairs and back. Step counts are
// stored as one-element int64 tensors.
NamedTensors state_fields(torch::optim::OptimizerParamState& state) {
  if (auto* s = dynamic_cast<torch::optim::AdamWParamState*>(&state)) {
    NamedTensors out = {{"step", torch::tensor(s->step())}, {"exp_avg", s->exp_avg()},
                        {"exp_avg_sq", s->exp_avg_sq()}};
    if (s->max_exp_avg_sq().defined()) out.emplace_back("max_exp_avg_sq", s->max_exp_avg_sq());
    return out;
  }
  if (auto* s = dynamic_cast<torch::optim::AdamParamState*>(&state)) {
    NamedTensors out = {{"step", torch::tensor(s->step())}, {"exp_avg", s->exp_avg()},
                        {"exp_avg_sq", s->exp_avg_sq()}};
    if (s->max_exp_avg_sq().defined()) out.emplace_back("max_exp_avg_sq", s->max_exp_avg_sq());
    return out;
  }
  if (auto* s = dynamic_cast<torch::optim::SGDParamState*>(&state)) {
    if (!s->momentum_buffer().defined()) return {};
    return {{"momentum_buffer", s->momentum_buffer()}};
  }
  throw Error("training checkpoint: unsupported optimiser (expected Adam, AdamW or SGD)");
}

template <class State>
std::unique_ptr<State> adam_state(const io::SafetensorsFile& file, const std::string& name,
                                  const torch::Tensor& like, torch::ScalarType dtype) {
  auto state = std::make_unique<State>();
  state->step(file.load(name + "/step").item<int64_t>());
  state->exp_avg(file.load(name + "/exp_avg", dtype, like.device()));
  state->exp_avg_sq(file.load(name + "/exp_avg_sq", dtype, like.device()));
  if (file.contains(name + "/max_exp_avg_sq"))
    state->max_exp_avg_sq(file.load(name + "/max_exp_avg_sq", dtype, like.device()));
  return state;
}

// The dtype `optimizer` keeps Adam(W) moments of `parameter` in; none for other optimisers.
std::optional<torch::ScalarType> moment_dtype(const torch::optim::Optimizer& optimizer, const torch::Tensor& parameter) {
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer)) return adamw_state_dtype(optimizer, parameter);
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer)) return parameter.scalar_type();
  return std::nullopt;
}

std::string dtype_name(torch::ScalarType dtype) {
  return dtype == torch::kFloat32 ? "fp32" : dtype == torch::kBFloat16 ? "bf16" : c10::toString(dtype);
}

// A checkpoint whose moments are stored in another dtype than this run keeps them in
// (train.optimizer_state_dtype changed) is refused rather than converted: a resumed run must
// continue the stopped one exactly.
void check_moment_dtypes(const torch::optim::Optimizer& optimizer, const io::SafetensorsFile& file,
                         const NamedTensors& trainable) {
  for (const auto& [name, tensor] : trainable) {
    const auto wanted = moment_dtype(optimizer, tensor);
    if (!wanted) return;
    for (const char* field : {"/exp_avg", "/exp_avg_sq", "/max_exp_avg_sq"}) {
      if (!file.contains(name + field)) continue;
      const auto stored = file.entry(name + field).dtype;
      if (stored != *wanted)
        throw ConfigError(file.path() + ": '" + name + field + "' is stored in " + dtype_name(stored) +
                          ", but this run keeps AdamW's moments in " + dtype_name(*wanted) +
                          " (train.optimizer_state_dtype); resume with the checkpoint's");
    }
  }
}

std::unique_ptr<torch::optim::OptimizerParamState> restored_state(
    const torch::optim::Optimizer& optimizer, const io::SafetensorsFile& file,
    const std::string& name, const torch::Tensor& parameter) {
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer))
    return adam_state<torch::optim::AdamWParamState>(file, name, parameter, *moment_dtype(optimizer, parameter));
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer))
    return adam_state<torch::optim::AdamParamState>(file, name, parameter, *moment_dtype(optimizer, parameter));
  if (dynamic_cast<const torch::optim::SGD*>(&optimizer)) {
    auto state = std::make_unique<torch::optim::SGDParamState>();
    state->momentum_buffer(
        file.load(name + "/momentum_buffer", parameter.scalar_type(), parameter.device()));
    return state;
  }
  throw Error("training checkpoint: unsupported optimiser (expected Adam, AdamW or SGD)");
}

void set_generator_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

NamedTensors generator_states() {
  NamedTensors out = {{"cpu", at::detail::getDefaultCPUGenerator().get_state()}};
  for (int64_t d = 0, n = device::initialised_cuda_devices(); d < n; ++d)
    out.emplace_back("cuda" + std::to_string(d),
                     at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, d)).get_state());
  return out;
}

void restore_generator_states(const NamedTensors& states) {
  for (const auto& [name, state] : states) {
    if (name == "cpu") {
      set_generator_state(at::detail::getDefaultCPUGenerator(), state);
      continue;
    }
    const int64_t d = std::stoll(name.substr(4));  // "cuda<d>"
    if (d < device::initialised_cuda_devices())
      set_generator_state(at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, d)), state);
  }
}

void save_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                              const torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress,
                              const std::map<std::string, std::string>& extra_files,
                              const std::map<std::string, fs::path>& extra_folders) {
  NamedTensors optimizer_tensors;
  auto& states = const_cast<torch::optim::Optimizer&>(optimizer).state();
  for (const auto& [name, tensor] : trainable) {
    auto it = states.find(optimizer_state_key(tensor));
    if (it == states.end()) continue;  // not stepped yet: the optimiser creates it lazily
    for (auto& [field, value] : state_fields(*it->second))
      optimizer_tensors.emplace_back(name + "/" + field, value);
  }

  io::write_folder_atomic(dir, [&](const fs::path& staging) {
    io::save_safetensors((staging / "trainable.safetensors").string(), trainable);
    io::save_safetensors((staging / "optimizer.safetensors").string(), optimizer_tensors);
    NamedTensors generators = generator_states();
    generators.insert(generators.end(), progress.rank_generators.begin(), progress.rank_generators.end());
    io::save_safetensors((staging / "rng.safetensors").string(), generators);
    io::save_safetensors((staging / "task.safetensors").string(), progress.task.tensors);
    nlohmann::json best = nullptr;
    if (progress.best) best = {{"value", progress.best->value}, {"step", progress.best->step}};
    nlohmann::json state = {{"step", progress.step}, {"task", progress.task.values}, {"best", best}};
    if (!progress.kept_best.empty()) {
      state["kept_best"] = nlohmann::json::object();
      for (const auto& [metric, kept] : progress.kept_best)
        state["kept_best"][metric] = {{"value", kept.value}, {"step", kept.step}};
    }
    io::write_file_atomic((staging / "state.json").string(), state.dump(2) + "\n");
    for (const auto& [file, contents] : extra_files)
      io::write_file_atomic((staging / file).string(), contents);
    for (const auto& [name, folder] : extra_folders) io::link_tree(folder, staging / name);
  });
}

fs::path checkpoint_folder(const std::string& dir) {
  if (fs::is_directory(dir)) return dir;
  // write_folder_atomic renames the old folder aside before renaming the new one in.
  if (fs::is_directory(dir + ".old")) return dir + ".old";
  throw ConfigError(dir + ": no such checkpoint folder");
}

TrainingProgress load_training_checkpoint(const std::string& dir, const NamedTensors& trainable,
                                          torch::optim::Optimizer& optimizer) {
  const fs::path root = checkpoint_folder(dir);
  for (const char* file : {"trainable.safetensors", "optimizer.safetensors", "rng.safetensors", "task.safetensors",
                           "state.json"})
    if (!fs::exists(root / file)) throw ConfigError(root.string() + ": not a training checkpoint (no " + file + ")");

  TrainingProgress progress;
  const std::string state_path = (root / "state.json").string();
  try {
    std::ifstream in(state_path);
    const auto state = nlohmann::json::parse(in);
    progress.step = state.at("step").get<int64_t>();
    progress.task.values = state.at("task");
    if (const auto& best = state.at("best"); !best.is_null())  // "f1": checkpoints written before "value"
      progress.best = BestValidation{best.at(best.contains("f1") ? "f1" : "value").get<double>(),
                                     best.at("step").get<int64_t>()};
    if (state.contains("kept_best"))  // absent in checkpoints written before train.keep_best
      for (const auto& [metric, kept] : state.at("kept_best").items())
        progress.kept_best[metric] = BestValidation{kept.at("value").get<double>(), kept.at("step").get<int64_t>()};
  } catch (const nlohmann::json::exception& e) {
    throw Error(state_path + ": expected {\"step\": int, \"task\": ..., \"best\": null or {\"value\", \"step\"}}");
  }
  if (progress.step < 0) throw Error(state_path + ": step " + std::to_string(progress.step) + " is negative");

  auto weights = io::SafetensorsFile::open((root / "trainable.safetensors").string());
  auto optimizer_file = io::SafetensorsFile::open((root / "optimizer.safetensors").string());
  auto task_file = io::SafetensorsFile::open((root / "task.safetensors").string());
  // Every name and shape first, so that another method's or model's checkpoint changes nothing.
  for (const auto& [name, tensor] : trainable) {
    if (!weights->contains(name))
      throw ConfigError(weights->path() + " has no tensor '" + name +
                        "' (a checkpoint of another method or model shape?)");
    if (weights->entry(name).shape != tensor.sizes().vec())
      throw ConfigError(weights->path() + ": tensor '" + name + "' has another shape than this run's");
  }
  check_moment_dtypes(optimizer, *optimizer_file, trainable);
  {
    torch::NoGradGuard no_grad;
    for (const auto& [name, tensor] : trainable)
      tensor.copy_(weights->load(name, tensor.scalar_type(), tensor.device()));
  }
  auto& states = optimizer.state();
  for (const auto& [name, tensor] : trainable) {
    states.erase(optimizer_state_key(tensor));
    bool stepped = false;
    for (const auto& e : optimizer_file->entries()) stepped = stepped || e.name.rfind(name + "/", 0) == 0;
    if (stepped) states[optimizer_state_key(tensor)] = restored_state(optimizer, *optimizer_file, name, tensor);
  }
  const auto generators = io::SafetensorsFile::open((root / "rng.safetensors").string());
  NamedTensors own;
  for (const auto& entry : generators->entries())
    (entry.name.rfind("rank", 0) == 0 ? progress.rank_generators : own).emplace_back(entry.name, generators->load(entry.name));
  if (own.empty() || own.front().first != "cpu") throw Error((root / "rng.safetensors").string() + ": no \"cpu\" generator state");
  restore_generator_states(own);
  for (const auto& entry : task_file->entries()) progress.task.tensors.emplace_back(entry.name, task_file->load(entry.name));
  return progress;
}

}  // namespace amem::train
