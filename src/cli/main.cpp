// amem: the command-line entry point. Dispatches to a sub-command and turns every error
// into one line on stderr with a meaningful exit code (2: usage/config, 1: anything else).
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "amem/core/error.h"
#include "amem/core/error_line.h"
#include "cli/commands.h"

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
      return c.run(args);
    } catch (const amem::ConfigError& e) {
      std::cerr << "amem: error: " << amem::error_line(e) << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "amem: error: " << amem::error_line(e) << "\n";
      return 1;
    }
  }
  std::cerr << "amem: error: unknown command '" << name << "' (see amem --help)\n";
  return 2;
}
