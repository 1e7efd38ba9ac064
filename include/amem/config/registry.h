// A registry of named parts a config chooses by name (CMT's selectors and auxiliary objective
// terms): each part is one file that defines its class, the keys it reads and a factory, and
// one line in its kind's table (memory/selectors.cpp, methods/cmt/auxiliary_terms.cpp).
//
//   const std::vector<Registration<Selector>>& selector_registry() {
//     static const std::vector<Registration<Selector>> table = {all_selector(), top_k_selector()};
//     return table;
//   }
//
// The table is the only place a name is looked up: the schema's documentation of the key lists
// its names, each part's declare() adds its keys to the schema, and make() of an unknown name
// is a one-line amem::ConfigError listing the registered ones (exit 2). A table, not
// self-registering statics: amem_lib is a static library, whose linker drops object files
// nothing references, and with them their registration.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/core/error.h"

namespace amem::config {

template <class Part>
struct Registration {
  std::string name;
  // Declares the part's own keys (a section of its own, e.g. cmt.top_k); may be empty.
  std::function<void(Schema&)> declare;
  // The part as the config's keys set it up; throws amem::ConfigError for a bad value.
  std::function<std::shared_ptr<const Part>(const Config&)> make;
};

// "a, b, c": the registered names in table order.
template <class Part>
std::string registered_names(const std::vector<Registration<Part>>& table) {
  std::string out;
  for (const auto& r : table) out += (out.empty() ? "" : ", ") + r.name;
  return out;
}

// Declares every registered part's keys.
template <class Part>
void declare_registered(const std::vector<Registration<Part>>& table, Schema& schema) {
  for (const auto& r : table)
    if (r.declare) r.declare(schema);
}

// The part registered as `name`, which config key `key` (for the error's source) chose.
template <class Part>
std::shared_ptr<const Part> make_registered(const std::vector<Registration<Part>>& table, const Config& config,
                                            const std::string& key, const std::string& name) {
  for (const auto& r : table)
    if (r.name == name) return r.make(config);
  throw ConfigError(config.source_of(key) + ": " + key + ": unknown name '" + name +
                    "' (registered: " + registered_names(table) + ")");
}

}  // namespace amem::config
