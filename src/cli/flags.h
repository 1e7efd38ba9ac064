// `--name value` flags of the sub-commands: parsed once, read by name, and every flag the
// command did not read is reported, so a typo never passes silently.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "cli/commands.h"

namespace amem::cli {

class Flags {
 public:
  // `command` names the sub-command in error messages ("lm generate").
  Flags(const Args& args, std::string command);

  std::string text(const std::string& name);  // required
  std::string text(const std::string& name, const std::string& fallback);
  int64_t integer(const std::string& name, int64_t fallback);
  // Throws amem::ConfigError for flags that were given but never read.
  void reject_unknown() const;

 private:
  std::optional<std::string> take(const std::string& name);
  std::string command_;
  std::map<std::string, std::string> values_;
  std::set<std::string> read_;
};

}  // namespace amem::cli
