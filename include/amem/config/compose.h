// Loading a config file with Hydra-style composition.
//
// A file may start with a list of base files:
//
//   defaults:
//     - ../base/run          # relative to this file; ".yaml" may be left out
//     - ../base/train.yaml
//   run:
//     name: hello
//
// The bases are loaded (recursively) and merged in the order listed, then the file's own
// keys are merged on top, so later bases beat earlier ones and the file beats them all.
// Maps merge key by key; scalars and sequences replace. The `defaults` key itself does not
// appear in the result.
#pragma once

#include <string>

#include "amem/config/config_tree.h"

namespace amem::config {

// Errors (amem::ConfigError, one line naming the file): missing file, YAML syntax error,
// a top level that is not a map, a malformed `defaults` list, an include cycle.
ConfigTree compose_file(const std::string& path);

}  // namespace amem::config
