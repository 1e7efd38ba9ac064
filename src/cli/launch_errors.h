// The error lines of `amem launch`'s ranks, printed once by the launcher instead of once per rank:
// a mistake in the config is the same on every rank, and N copies of it hide nothing but the
// prompt. The launcher names a folder in AMEM_LAUNCH_ERRORS; each rank that fails writes its line
// there (rank-R, appended) instead of to stderr, and the launcher prints every distinct line
// once when the ranks have ended: after a failure, the failed rank's lines last; when all ended
// well (a script that went on after an amem error), in rank order. Under torchrun or SLURM,
// which do not set it, every rank prints its own, as they expect.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace amem::cli {

constexpr const char* kLaunchErrorsVariable = "AMEM_LAUNCH_ERRORS";

// Prints `line` (one error line, no newline) on stderr, or under amem launch hands it to the
// launcher (when that fails, prints it after all).
void report_error(const std::string& line);

// The lines rank `rank` handed over in `folder`, in order (none if it handed over none).
std::vector<std::string> rank_errors(const std::filesystem::path& folder, int rank);

}  // namespace amem::cli
