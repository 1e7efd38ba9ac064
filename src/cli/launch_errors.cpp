#include "cli/launch_errors.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace amem::cli {

namespace {

std::filesystem::path error_file(const std::filesystem::path& folder, const std::string& rank) {
  return folder / ("rank-" + rank);
}

}  // namespace

void report_error(const std::string& line) {
  const char* folder = std::getenv(kLaunchErrorsVariable);
  const char* rank = std::getenv("RANK");
  if (folder && *folder && rank) {
    // The launcher reads it once this process has ended, so it is whole by then. Appended: a
    // rank that runs amem more than once (a script) keeps every error.
    std::ofstream out(error_file(folder, rank), std::ios::binary | std::ios::app);
    out << line << "\n";
    if (out.flush()) return;
  }
  std::cerr << line << "\n";
}

std::vector<std::string> rank_errors(const std::filesystem::path& folder, int rank) {
  std::ifstream in(error_file(folder, std::to_string(rank)), std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace amem::cli
