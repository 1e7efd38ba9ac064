// Running the built `amem` program from tests (end-to-end checks of the command line).
#pragma once

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>
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

// The error line of a command that failed: its last line, which must be the only one that
// starts "amem: error: " (what a command logged before failing, such as the data it read, may
// come before it; nothing may come after it). "" and a test failure otherwise.
inline std::string error_line(const CommandResult& r) {
  std::vector<std::string> lines;
  size_t errors = 0;
  for (size_t begin = 0; begin < r.output.size();) {
    const size_t end = std::min(r.output.find('\n', begin), r.output.size());
    lines.push_back(r.output.substr(begin, end - begin));
    if (lines.back().rfind("amem: error: ", 0) == 0) ++errors;
    begin = end + 1;
  }
  if (errors != 1 || lines.empty() || lines.back().rfind("amem: error: ", 0) != 0) {
    ADD_FAILURE() << "expected one error line, last:\n" << r.output;
    return "";
  }
  return lines.back();
}

// The one run folder a command created under `output_dir` (a test failure if not exactly one).
inline std::filesystem::path only_run(const std::filesystem::path& output_dir) {
  std::vector<std::filesystem::path> runs;
  for (const auto& entry : std::filesystem::directory_iterator(output_dir)) runs.push_back(entry.path());
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? output_dir : runs.front();
}

}  // namespace amem::testing
