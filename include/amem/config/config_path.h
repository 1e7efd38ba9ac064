// Paths that come from config keys, checked where they are read from the config: before a
// command loads anything or creates its run folder. A path that does not exist, or is a file
// where a folder is expected (or the reverse), is a config mistake: amem::ConfigError (exit 2)
// naming where the value came from (file or override), the key and the path:
//   override 'mac.amortizer=/nonexistent': mac.amortizer: '/nonexistent': no such folder
// What the file or folder then holds is checked by its reader (amem::Error, exit 1, naming
// the file).
#pragma once

#include <string>

#include "amem/config/config.h"

namespace amem::config {

enum class PathKind { file, folder };

// The path `key` (a string key, not null) holds, once it is known to exist as a `kind`.
// For a folder, `marker` (when given) is a file it must hold: the one its reader starts
// from, e.g. "config.json" of a checkpoint folder, so that a folder one level off
// (<run> for <run>/best) is reported by key rather than as a missing file.
std::string existing_path(const Config& config, const std::string& key, PathKind kind, const char* marker = nullptr);

// The folder `key` names, which a command will create if absent: it must not be a file.
std::string output_folder(const Config& config, const std::string& key);

}  // namespace amem::config
