// Command-line overrides of a composed config, Hydra style:
//
//   train.lr=1e-5       set a key a file sets or the schema declares (an error otherwise:
//                       catches typos); so `train.resume=DIR`, null by default, needs no `+`
//   +train.extra=3      add a key that does not exist yet (an error if it does; with a schema,
//                       validation still refuses a key it does not declare)
//   ++train.lr=1e-5     set a key whether or not it exists
//   ~train.lr           delete a key (an error if it does not exist)
//
// The value is parsed as YAML, so it has the type it would have in a file: `1e-5` is a
// number, `[1,2]` a list, `null` null, `"3"` (quoted, as the shell passes it) a string.
// An empty value (`key=`) is the empty string. Errors name the override as written.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "amem/config/config_tree.h"

namespace amem::config {

// What errors and the resolved config call an override: "override 'train.lr=fast'".
std::string override_source(const std::string& text);

// Whether the schema declares a dotted key (empty: no schema, only the files' keys count).
using IsDeclared = std::function<bool(const std::string& key)>;

void apply_override(ConfigTree& tree, const std::string& text, const IsDeclared& declared = {});

void apply_overrides(ConfigTree& tree, const std::vector<std::string>& texts, const IsDeclared& declared = {});

}  // namespace amem::config
