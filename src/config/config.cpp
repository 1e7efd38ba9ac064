#include "amem/config/config.h"

#include "amem/config/compose.h"
#include "amem/config/config_tree.h"
#include "amem/config/overrides.h"
#include "amem/config/schema.h"

namespace amem::config {

const Config::Entry& Config::entry(const std::string& key, FieldType type) const {
  const auto it = index_.find(key);
  if (it == index_.end()) throw std::logic_error("config: " + key + " is not in the schema");
  const Entry& e = entries_[it->second];
  if (e.type != type)
    throw std::logic_error("config: " + key + " holds " + describe(e.type) + ", not " +
                           describe(type));
  return e;
}

bool Config::is_null(const std::string& key) const {
  const auto it = index_.find(key);
  if (it == index_.end()) throw std::logic_error("config: " + key + " is not in the schema");
  return entries_[it->second].value.IsNull();
}

const std::string& Config::source_of(const std::string& key) const {
  const auto it = index_.find(key);
  if (it == index_.end()) throw std::logic_error("config: " + key + " is not in the schema");
  return entries_[it->second].source;
}

std::string Config::to_yaml() const {
  ConfigTree nested;
  for (const auto& e : entries_) nested.set(e.key, e.value, source_);
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << nested.root();
  return std::string(out.c_str()) + "\n";
}

Config load_config(const Schema& schema, const std::string& path,
                   const std::vector<std::string>& overrides) {
  ConfigTree tree = compose_file(path);
  apply_overrides(tree, overrides, [&](const std::string& key) { return schema.find(key) != nullptr; });
  return schema.validate(tree);
}

}  // namespace amem::config
