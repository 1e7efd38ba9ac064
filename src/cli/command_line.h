// The flags and arguments of a sub-command, parsed with CLI11 (Debian libcli11-dev, or the
// copy in third_party/CLI11; see cmake/Dependencies.cmake). Each command declares its flags on
// a CLI::App and hands it the arguments that follow its name; CLI11 rejects what was not
// declared, so a typo never passes silently.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace amem::cli {

// Parses `args` with `app` (a CLI::App, whose -h/--help flag is CLI11's default) and the
// `command` ("lm generate") it is for. Returns false when -h or --help was given: `print_help`
// (the command's own text, not CLI11's) has been called
// and the command exits 0. A usage mistake (an unknown flag, a flag without its value, a value
// of the wrong type or outside its choices, a missing argument) throws amem::ConfigError, one
// line naming `command` and the flag (exit code 2).
bool parse_command_line(CLI::App& app, const Args& args, const std::string& command, const std::function<void()>& print_help);

// `CONFIG [OVERRIDE...]`, the arguments of the commands that run a config (eval, train,
// qa-tune, memory build, config show).
struct ConfigArguments {
  std::string config;
  std::vector<std::string> overrides;
};
// Parses them; nullopt after --help (printed, exit 0).
std::optional<ConfigArguments> parse_config_arguments(const Args& args, const std::string& command,
                                                      const std::function<void()>& print_help);

}  // namespace amem::cli
