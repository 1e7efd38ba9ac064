#include "amem/methods/make_training_task.h"

#include <functional>
#include <utility>

#include "amem/core/error.h"
#include "amem/methods/mac_only_keys.h"
#include "amem/methods/camels/camels_training_task.h"
#include "amem/methods/mac/mac_training_task.h"
#include "amem/train/qa_tuning_task.h"

namespace amem::methods {

namespace {

using Factory = std::function<std::unique_ptr<train::TrainingTask>(const config::Config&)>;

const std::vector<std::pair<std::string, Factory>>& table() {
  static const std::vector<std::pair<std::string, Factory>> methods = {
      {"mac", [](const config::Config& c) { return std::make_unique<MacTrainingTask>(c); }},
      {"camels", [](const config::Config& c) { return std::make_unique<camels::CamelsTrainingTask>(c); }},
      {kQaTuneMethod, [](const config::Config& c) { return std::make_unique<train::QaTuningTask>(c); }},
  };
  return methods;
}

std::string joined_names() {
  std::string out;
  for (const auto& name : training_methods()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<std::string> training_methods() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : table()) names.push_back(name);
  return names;
}

std::unique_ptr<train::TrainingTask> make_training_task(const config::Config& config) {
  if (config.is_null("train.method"))
    throw ConfigError(config.source() + ": train.method: missing (one of: " + joined_names() + ")");
  // The schema's choices are this table's names (train_settings.cpp), so a name is always found.
  const auto method = config.get<std::string>("train.method");
  if (method != "mac")
    refuse_mac_training_keys(config, "train.method '" + method + "' (" + config.source_of("train.method") + ")");
  for (const auto& [name, factory] : table())
    if (name == method) return factory(config);
  throw std::logic_error("make_training_task: train.method '" + method + "' passed the schema but has no task");
}

}  // namespace amem::methods
