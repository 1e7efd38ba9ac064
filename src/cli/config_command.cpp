// amem config: inspect configurations without running anything.
#include <iostream>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "cli/commands.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout << "usage: amem config show FILE [OVERRIDE...]\n\n"
               "Prints the fully resolved config: FILE with its `defaults:` bases merged in,\n"
               "the overrides applied, every key checked against the schema and defaults\n"
               "filled in. This is the config.yaml a run with the same arguments records.\n\n"
               "overrides:\n"
               "  key.sub=value    set a key that FILE (or a base) sets; value is YAML\n"
               "  +key.sub=value   add a key FILE does not set\n"
               "  ++key.sub=value  set a key whether or not FILE sets it\n"
               "  ~key.sub         delete a key (its schema default then applies)\n\n"
               "example: amem config show configs/examples/hello.yaml run.seed=3\n";
}

}  // namespace

int config_command(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "show")
    throw ConfigError("config: unknown action '" + args[0] + "' (see amem config --help)");
  if (args.size() < 2) throw ConfigError("config show: expected a config FILE");
  const Args overrides(args.begin() + 2, args.end());
  std::cout << config::load_config(config::amem_schema(), args[1], overrides).to_yaml();
  return 0;
}

}  // namespace amem::cli
