#include "amem/config/config_tree.h"

#include "amem/core/error.h"

namespace amem::config {

namespace {

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

}  // namespace

std::vector<std::string> split_key(const std::string& key, const std::string& source) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty()) throw ConfigError(source + ": '" + key + "' is not a valid key");
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

ConfigTree::ConfigTree(std::string source)
    : source_(std::move(source)), root_(YAML::NodeType::Map) {}

ConfigTree::ConfigTree(const YAML::Node& map, const std::string& source) : ConfigTree(source) {
  for (const auto& entry : map) set(entry.first.Scalar(), entry.second, source);
}

void ConfigTree::merge(const ConfigTree& other) { merge_node(root_, other.root_, "", other); }

void ConfigTree::merge_node(YAML::Node into, const YAML::Node& from, const std::string& prefix,
                            const ConfigTree& other) {
  for (const auto& entry : from) {
    const std::string name = entry.first.Scalar();
    const std::string key = join(prefix, name);
    YAML::Node existing = into[name];
    if (entry.second.IsMap() && existing.IsMap()) {
      merge_node(existing, entry.second, key, other);
      continue;
    }
    into[name] = YAML::Clone(entry.second);
    forget(key);
    if (auto it = other.origin_.find(key); it != other.origin_.end()) origin_[key] = it->second;
    const std::string children = key + ".";
    for (auto it = other.origin_.lower_bound(children);
         it != other.origin_.end() && it->first.compare(0, children.size(), children) == 0; ++it)
      origin_[it->first] = it->second;
  }
}

bool ConfigTree::contains(const std::string& key) const {
  // Looked up through const nodes: yaml-cpp's non-const operator[] would insert the key.
  YAML::Node node;
  node.reset(root_);
  for (const auto& part : split_key(key, source_)) {
    const YAML::Node& current = node;
    if (!current.IsMap() || !current[part]) return false;
    node.reset(current[part]);
  }
  return true;
}

void ConfigTree::set(const std::string& key, const YAML::Node& value, const std::string& source) {
  const auto parts = split_key(key, source);
  YAML::Node node;
  node.reset(root_);
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    path = join(path, parts[i]);
    YAML::Node child = node[parts[i]];
    if (!child || child.IsNull()) {
      child = YAML::Node(YAML::NodeType::Map);
      record(path, child, source);
    } else if (!child.IsMap()) {
      throw ConfigError(source + ": " + key + ": '" + path + "' holds a value, not a map of keys");
    }
    node.reset(child);
  }
  node[parts.back()] = YAML::Clone(value);
  forget(key);
  record(key, value, source);
}

bool ConfigTree::erase(const std::string& key) {
  if (!contains(key)) return false;
  const auto parts = split_key(key, source_);
  YAML::Node node;
  node.reset(root_);
  for (size_t i = 0; i + 1 < parts.size(); ++i) node.reset(node[parts[i]]);
  node.remove(parts.back());
  forget(key);
  return true;
}

std::string ConfigTree::source_of(const std::string& key) const {
  std::string k = key;
  while (!k.empty()) {
    if (auto it = origin_.find(k); it != origin_.end()) return it->second;
    const size_t dot = k.rfind('.');
    k = dot == std::string::npos ? "" : k.substr(0, dot);
  }
  return source_;
}

void ConfigTree::record(const std::string& key, const YAML::Node& value,
                        const std::string& source) {
  origin_[key] = source;
  if (value.IsMap())
    for (const auto& entry : value) record(join(key, entry.first.Scalar()), entry.second, source);
}

void ConfigTree::forget(const std::string& key) {
  origin_.erase(key);
  const std::string children = key + ".";
  auto it = origin_.lower_bound(children);
  while (it != origin_.end() && it->first.compare(0, children.size(), children) == 0)
    it = origin_.erase(it);
}

}  // namespace amem::config
