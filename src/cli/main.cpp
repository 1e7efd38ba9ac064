// amem: the command-line entry point. Dispatches to a sub-command and turns every error
// into one line on stderr with a meaningful exit code (2: usage/config, 1: anything else).
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "amem/core/error.h"
#include "amem/core/error_line.h"
#include "cli/commands.h"
#include "cli/launch_errors.h"

namespace {

void print_help() {
  std::cout << "amem — online adaptation of language models with a memory of amortized contexts\n\n"
               "usage: amem <command> [arguments]\n\ncommands:\n";
  for (const auto& c : amem::cli::commands()) {
    std::string name = c.name;
    name.resize(12, ' ');
    std::cout << "  " << name << c.summary << "\n";
  }
  std::cout << "\n`amem <command> --help` describes one command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  amem::cli::Args args(argv + 2, argv + argc);
  for (const auto& c : amem::cli::commands()) {
    if (name != c.name) continue;
    try {
      // torchrun (or amem launch) started this as one of several processes: a command that is
      // not data-parallel would run once per process, each writing the same outputs.
      const char* world = std::getenv("WORLD_SIZE");
      if (!c.data_parallel && std::getenv("RANK") && world && std::string(world) != "1")
        throw amem::cli::not_data_parallel(name, std::string("it was started as one of WORLD_SIZE=") + world +
                                           " processes");
      return c.run(args);
    } catch (const amem::ConfigError& e) {
      amem::cli::report_error("amem: error: " + amem::error_line(e));
      return 2;
    } catch (const std::exception& e) {
      amem::cli::report_error("amem: error: " + amem::error_line(e));
      return 1;
    }
  }
  amem::cli::report_error("amem: error: unknown command '" + name + "' (see amem --help)");
  return 2;
}
