// A validated configuration: every declared key with a value of its declared type.
//
//   const auto config = config::load_config(config::amem_schema(), "configs/x.yaml",
//                                           {"train.lr=1e-5"});
//   double lr = config.get<double>("train.lr");
//
// get<T> with T not the declared type, or a key the schema does not declare, is a
// programming error (std::logic_error), as is reading a null optional field without
// checking is_null first.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "amem/config/field_value.h"

namespace amem::config {

class Schema;

class Config {
 public:
  template <class T>
  T get(const std::string& key) const {
    const Entry& e = entry(key, FieldTypeOf<T>::value);
    if (e.value.IsNull()) throw std::logic_error("config: " + key + " is null; check is_null()");
    T out;
    from_node(e.value, out);
    return out;
  }

  bool is_null(const std::string& key) const;

  // The file the config was loaded from (as given).
  const std::string& source() const { return source_; }
  // Where `key`'s value came from: the file that set it, "override '<text>'", or source()
  // for a key left at its default. Errors about a value name it, as schema errors do.
  const std::string& source_of(const std::string& key) const;

  // The resolved config as YAML: keys in schema declaration order, nested by their dots,
  // scalars in canonical form (field_value.h), lists in flow style. Loading this text with
  // the same schema gives the same config.
  std::string to_yaml() const;

 private:
  friend class Schema;
  struct Entry {
    std::string key;
    FieldType type;
    YAML::Node value;
    std::string source;  // source_of(key)
  };
  const Entry& entry(const std::string& key, FieldType type) const;

  std::string source_;
  std::vector<Entry> entries_;  // declaration order
  std::map<std::string, size_t> index_;
};

// Composes `path` (compose.h), applies `overrides` (overrides.h), validates with `schema`.
Config load_config(const Schema& schema, const std::string& path,
                   const std::vector<std::string>& overrides = {});

}  // namespace amem::config
