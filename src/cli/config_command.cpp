// amem config: inspect configurations without running anything.
#include <algorithm>
#include <iostream>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "cli/command_line.h"
#include "cli/commands.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout << "usage: amem config show FILE [OVERRIDE...]\n"
               "       amem config keys\n\n"
               "show: prints the fully resolved config: FILE with its `defaults:` bases merged\n"
               "in, the overrides applied, every key checked against the schema (its type and\n"
               "range) and defaults filled in. This is the config.yaml a run with the same\n"
               "arguments records. What a command refuses when it starts (keys it does not\n"
               "read, combinations, what this build or machine lacks) is checked then, not here.\n"
               "keys: lists every key amem accepts, with its type, default and meaning.\n\n"
               "overrides:\n"
               "  key.sub=value    set a key that FILE (or a base) sets; value is YAML\n"
               "  +key.sub=value   add a key FILE does not set\n"
               "  ++key.sub=value  set a key whether or not FILE sets it\n"
               "  ~key.sub         delete a key (its schema default then applies)\n\n"
               "example: amem config show configs/examples/hello.yaml run.seed=3\n";
}

// One line per key, e.g. "  run.seed  an integer >= 0, default 0: seed of every ...".
void print_keys(const config::Schema& schema) {
  size_t width = 0;
  for (const auto& section : schema.sections())
    for (const auto& field : section.fields()) width = std::max(width, field.key.size());
  for (const auto& section : schema.sections()) {
    std::cout << section.name() << ": " << section.doc() << "\n";
    for (const auto& field : section.fields()) {
      std::string line = "  " + field.key + std::string(width - field.key.size() + 2, ' ') +
                         config::describe(field.type);
      if (const std::string range = config::describe_range(field); !range.empty()) line += " " + range;
      for (size_t i = 0; i < field.choices.size(); ++i)
        line += (i == 0 ? " (one of " : ", ") + field.choices[i] +
                (i + 1 == field.choices.size() ? ")" : "");
      if (field.required) {
        line += ", required";
      } else {
        YAML::Emitter value;
        value.SetNullFormat(YAML::LowerNull);
        value << YAML::Flow << field.default_value;
        line += std::string(", default ") + value.c_str();
      }
      std::cout << line << ": " << field.doc << "\n";
    }
  }
}

}  // namespace

int run_config(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "keys") {
    CLI::App app("", "config keys");
    if (parse_command_line(app, rest, "config keys", print_help)) print_keys(config::amem_schema());
    return 0;
  }
  if (args[0] != "show")
    throw ConfigError("config: unknown action '" + args[0] + "' (see amem config --help)");
  const auto arguments = parse_config_arguments(rest, "config show", print_help);
  if (arguments)
    std::cout << config::load_config(config::amem_schema(), arguments->config, arguments->overrides).to_yaml();
  return 0;
}

}  // namespace amem::cli
