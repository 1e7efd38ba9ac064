// The raw configuration before validation: a YAML tree of nested maps, plus where each key
// came from (a file, or a command-line override), so that errors can name the culprit.
//
// Keys are addressed with dots: "train.lr" is the key "lr" of the map "train". Merging
// follows Hydra: maps merge key by key, anything else (scalars, sequences, null) replaces.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace amem::config {

// "train.lr" -> {"train", "lr"}. An empty key or an empty part ("a..b") is a ConfigError
// naming `source`.
std::vector<std::string> split_key(const std::string& key, const std::string& source);

class ConfigTree {
 public:
  // An empty tree; `source` is named in errors about keys no file or override set
  // (missing required keys): the file given on the command line.
  explicit ConfigTree(std::string source = "");

  // The tree of one parsed document, every key attributed to `source`.
  ConfigTree(const YAML::Node& map, const std::string& source);

  const std::string& source() const { return source_; }
  const YAML::Node& root() const { return root_; }

  // Deep merge: `other`'s keys win; its sources replace ours for the keys it sets.
  void merge(const ConfigTree& other);

  bool contains(const std::string& key) const;
  // Sets (replacing) the value at `key`, creating intermediate maps; errors if an ancestor
  // holds a non-map value. `source` is the origin recorded for it.
  void set(const std::string& key, const YAML::Node& value, const std::string& source);
  // Removes `key`; returns false if it was absent.
  bool erase(const std::string& key);

  // Where `key` (or the nearest ancestor with a recorded origin) was set; source() if nowhere.
  std::string source_of(const std::string& key) const;

 private:
  void merge_node(YAML::Node into, const YAML::Node& from, const std::string& prefix,
                  const ConfigTree& other);
  void record(const std::string& key, const YAML::Node& value, const std::string& source);
  void forget(const std::string& key);

  std::string source_;
  YAML::Node root_;
  std::map<std::string, std::string> origin_;  // dotted key -> file or override
};

}  // namespace amem::config
