#include "amem/methods/mac_only_keys.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "amem/core/error.h"

namespace amem::methods {

void refuse_mac_only_keys(const config::Config& config, const std::string& chosen, const std::string& reader) {
  // CMT's switches and the aggregator shape MAC's memory (answer-time selection, decoding) or
  // its training; mac.networks are MAC's trained networks; activation checkpointing recomputes
  // MAC's amortizer.
  const std::vector<std::pair<std::string, bool>> mac_only = {
      {"cmt.selector", config.get<std::string>("cmt.selector") != "all"},
      {"cmt.auxiliary_terms", !config.get<std::vector<std::string>>("cmt.auxiliary_terms").empty()},
      {"cmt.memory_aware.enabled", config.get<bool>("cmt.memory_aware.enabled")},
      {"cmt.memory_aware.at_inference", config.get<bool>("cmt.memory_aware.at_inference")},
      {"mac.aggregator", config.get<std::string>("mac.aggregator") != "hierarchical"},
      {"mac.networks", !config.is_null("mac.networks")},
      {"mac.activation_checkpointing", config.get<std::string>("mac.activation_checkpointing") != "none"}};
  for (const auto& [key, set] : mac_only)
    if (set)
      throw ConfigError(config.source_of(key) + ": " + key + ": set, but " + chosen + " is not MAC (cmt.*, " +
                        "mac.aggregator, mac.networks and mac.activation_checkpointing are read by " + reader + ": mac only); leave it at its default");
}

void refuse_mac_training_keys(const config::Config& config, const std::string& chosen) {
  refuse_mac_only_keys(config, chosen, "train.method");
  const auto metrics_every = config.get<int64_t>("train.metrics_every");
  if (metrics_every != 1)
    throw ConfigError(config.source_of("train.metrics_every") + ": train.metrics_every: " + std::to_string(metrics_every) +
                      ", but " + chosen + " has no extra metric forwards to space out (train.metrics_every is read by "
                      "train.method: mac only); leave it at 1");
}

}  // namespace amem::methods
