#include "amem/config/overrides.h"

#include "amem/core/error.h"

namespace amem::config {

namespace {

YAML::Node parse_value(const std::string& value, const std::string& source) {
  if (value.empty()) return YAML::Node(std::string());
  try {
    return YAML::Load(value);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source + ": cannot parse the value: " + e.msg);
  }
}

}  // namespace

std::string override_source(const std::string& text) { return "override '" + text + "'"; }

void apply_override(ConfigTree& tree, const std::string& text, const IsDeclared& declared) {
  const std::string source = override_source(text);
  if (!text.empty() && text[0] == '~') {
    const std::string key = text.substr(1);
    if (key.find('=') != std::string::npos)
      throw ConfigError(source + ": a deletion takes no value (write ~key)");
    split_key(key, source);
    if (!tree.erase(key)) throw ConfigError(source + ": " + key + ": no such key to delete");
    return;
  }
  const size_t equals = text.find('=');
  if (equals == std::string::npos)
    throw ConfigError(source + ": expected key=value, +key=value or ~key");
  std::string key = text.substr(0, equals);
  const size_t pluses = key.compare(0, 2, "++") == 0 ? 2 : key.compare(0, 1, "+") == 0 ? 1 : 0;
  key = key.substr(pluses);
  split_key(key, source);
  const bool exists = tree.contains(key);
  // With a schema, `+key` adds nothing the schema does not declare: validation refuses an
  // undeclared key, naming the declared ones (schema.cpp), so the hint is for schema-less trees.
  if (pluses == 0 && !exists && !declared)
    throw ConfigError(source + ": " + key + ": no such key in " + tree.source() + " (write +" +
                      key + "=... to add it)");
  if (pluses == 1 && exists)
    throw ConfigError(source + ": " + key + ": already set (write " + key + "=... to change it)");
  tree.set(key, parse_value(text.substr(equals + 1), source), source);
}

void apply_overrides(ConfigTree& tree, const std::vector<std::string>& texts, const IsDeclared& declared) {
  for (const auto& text : texts) apply_override(tree, text, declared);
}

}  // namespace amem::config
