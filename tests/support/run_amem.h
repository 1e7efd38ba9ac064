// Running the built `amem` program from tests (end-to-end checks of the command line).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace amem::testing {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs `amem <arguments>` in the source folder (so relative paths such as configs/... work).
inline CommandResult run_amem(const std::string& arguments) {
  const std::string command =
      std::string("cd '") + AMEM_SOURCE_DIR + "' && '" + AMEM_BINARY + "' " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace amem::testing
