#include "amem/distributed/same_config.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>

#include "amem/core/error.h"

namespace amem::distributed {

namespace {

// key (dotted) -> value as YAML text; lists are values, as the schema's keys are.
void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& item : node) flatten(item.second, prefix + (prefix.empty() ? "" : ".") + item.first.as<std::string>(), out);
    return;
  }
  YAML::Emitter text;
  if (node.IsSequence()) text << YAML::Flow;
  text << node;
  out[prefix] = text.c_str();
}

std::map<std::string, std::string> flat(const std::string& yaml) {
  std::map<std::string, std::string> out;
  flatten(YAML::Load(yaml), "", out);
  return out;
}

}  // namespace

void check_same_config(ProcessGroup& group, const std::string& config_yaml) {
  const int64_t hash = int64_t(std::hash<std::string>{}(config_yaml));
  const torch::Tensor hashes =
      group.all_gather(torch::tensor({hash}, torch::kLong).to(group.device()), "the ranks' config check").cpu();
  if ((hashes == hashes[0]).all().item<bool>()) return;
  const auto texts = group.all_gather_bytes(config_yaml, "the ranks' config check");
  const auto reference = flat(texts[0]);
  std::string differences;
  int named = 0, more = 0;
  for (size_t r = 1; r < texts.size(); ++r) {
    if (texts[r] == texts[0]) continue;
    const auto theirs = flat(texts[r]);
    std::map<std::string, std::string> keys = reference;
    keys.insert(theirs.begin(), theirs.end());
    for (const auto& [key, ignored] : keys) {
      const auto a = reference.find(key), b = theirs.find(key);
      const std::string zero = a == reference.end() ? "(none)" : a->second;
      const std::string other = b == theirs.end() ? "(none)" : b->second;
      if (zero == other) continue;
      if (named == 3) {
        ++more;
        continue;
      }
      differences += std::string(named++ ? "; " : "") + "rank " + std::to_string(r) + " has " + key + ": " + other +
                     " where rank 0 has " + zero;
    }
  }
  if (more) differences += "; and " + std::to_string(more) + " more";
  throw ConfigError("distributed: the ranks resolved different configs (" + differences +
                    "); every rank must be given the same config file and overrides");
}

}  // namespace amem::distributed
