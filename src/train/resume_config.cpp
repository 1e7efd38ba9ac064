#include "amem/train/resume_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <utility>

#include "amem/core/error.h"
#include "amem/io/utf8_file.h"

namespace amem::train {

namespace fs = std::filesystem;

namespace {

// Dotted key -> YAML text of each leaf (a scalar, null, or a sequence in flow style), in the
// document's order.
using Leaves = std::vector<std::pair<std::string, std::string>>;

void flatten(const YAML::Node& node, const std::string& prefix, Leaves& out) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      const auto key = item.first.as<std::string>();
      flatten(item.second, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  YAML::Emitter text;
  text.SetNullFormat(YAML::LowerNull);
  text.SetSeqFormat(YAML::Flow);
  text << node;
  out.emplace_back(prefix, text.c_str());
}

Leaves leaves_of(const std::string& yaml) {
  Leaves out;
  flatten(YAML::Load(yaml), "", out);
  return out;
}

// A free key is named, or its section is ("memory.*").
bool is_free(const std::string& key) {
  const auto& free = resume_free_keys();
  const auto dot = key.find('.');
  return std::find(free.begin(), free.end(), key) != free.end() ||
         (dot != std::string::npos && std::find(free.begin(), free.end(), key.substr(0, dot) + ".*") != free.end());
}

}  // namespace

const std::vector<std::string>& resume_free_keys() {
  // Where the run is written, how much it prints and logs, how it talks between ranks, the
  // optimiser's implementation (the same arithmetic and saved state, train/foreach_adamw.h,
  // train/capturable_adamw.h and train/graphed_training_step.h), the output layer's GEMM
  // padding (the same logits to rounding, models/causal_lm.h), the bfloat16 working copies
  // (autocast's values, train/bf16_working_weights.h), the T5s' fused RMS norm (the same
  // formula to rounding, layers/rms_norm.h), and
  // the memory bank of `amem eval`, which no training reads: none of them changes what is trained.
  static const std::vector<std::string> keys = {"run.output_dir",          "run.name",
                                                "run.log_level",           "train.resume",
                                                "train.metrics_every",     "train.foreach_optimizer",
                                                "train.cuda_graph",        "train.fused_optimizer",
                                                "model.vocab_pad_multiple", "train.bf16_working_weights",
                                                "mac.fused_rms_norm",      "distributed.timeout_s",
                                                "distributed.bucket_mb",   "memory.*"};
  return keys;
}

std::vector<ConfigDifference> resume_config_differences(const std::string& run_yaml,
                                                        const std::string& checkpoint_yaml,
                                                        const std::string& checkpoint_name) {
  const Leaves run = leaves_of(run_yaml);
  Leaves checkpoint;
  try {
    checkpoint = leaves_of(checkpoint_yaml);
  } catch (const YAML::Exception& e) {
    throw Error(checkpoint_name + ": not a YAML config (" + e.msg + ")");
  }
  const std::map<std::string, std::string> run_values(run.begin(), run.end());
  const std::map<std::string, std::string> checkpoint_values(checkpoint.begin(), checkpoint.end());

  std::vector<ConfigDifference> out;
  for (const auto& [key, value] : run) {
    if (is_free(key)) continue;
    const auto it = checkpoint_values.find(key);
    if (it == checkpoint_values.end())
      out.push_back({key, value, std::nullopt});
    else if (it->second != value)
      out.push_back({key, value, it->second});
  }
  for (const auto& [key, value] : checkpoint)
    if (!is_free(key) && !run_values.count(key)) out.push_back({key, std::nullopt, value});
  return out;
}

void check_resume_config(const config::Config& config, const fs::path& folder) {
  const fs::path file = folder / "config.yaml";
  if (!fs::is_regular_file(file))
    throw ConfigError("train.resume: " + file.string() +
                      ": no such file (the checkpoint's config, which a resumed run must match)");
  const auto differences = resume_config_differences(config.to_yaml(), io::read_utf8_file(file.string()), file.string());
  if (differences.empty()) return;

  const auto& d = differences.front();
  std::string message;
  if (!d.run_value)
    message = file.string() + ": " + d.key + ": " + *d.checkpoint_value + ", a key this run's config does not have";
  else if (!d.checkpoint_value)
    message = config.source_of(d.key) + ": " + d.key + ": " + *d.run_value + ", a key the checkpoint " +
              folder.string() + " was not trained with";
  else
    message = config.source_of(d.key) + ": " + d.key + ": " + *d.run_value + ", but the checkpoint " +
              folder.string() + " was trained with " + *d.checkpoint_value +
              (d.key == "train.steps" ? " (the learning-rate schedule is computed from the run's total)" : "");
  if (differences.size() == 2) message += " (and 1 other key differs)";
  if (differences.size() > 2) message += " (and " + std::to_string(differences.size() - 1) + " other keys differ)";
  std::string free;
  for (const auto& key : resume_free_keys()) free += (free.empty() ? "" : ", ") + key;
  throw ConfigError(message + "; a resumed run must use the checkpoint's config (only " + free + " may differ)");
}

}  // namespace amem::train
