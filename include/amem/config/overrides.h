// Command-line overrides of a composed config, Hydra style:
//
//   train.lr=1e-5       set an existing key (an error if no file set it: catches typos)
//   +train.extra=3      add a key that does not exist yet (an error if it does)
//   ++train.lr=1e-5     set a key whether or not it exists
//   ~train.lr           delete a key (an error if it does not exist)
//
// The value is parsed as YAML, so it has the type it would have in a file: `1e-5` is a
// number, `[1,2]` a list, `null` null, `"3"` (quoted, as the shell passes it) a string.
// An empty value (`key=`) is the empty string. Errors name the override as written.
#pragma once

#include <string>
#include <vector>

#include "amem/config/config_tree.h"

namespace amem::config {

// What errors and the resolved config call an override: "override 'train.lr=fast'".
std::string override_source(const std::string& text);

void apply_override(ConfigTree& tree, const std::string& text);

void apply_overrides(ConfigTree& tree, const std::vector<std::string>& texts);

}  // namespace amem::config
