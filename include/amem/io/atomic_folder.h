// Writing a folder so that readers never see half of one: checkpoints and exported models are
// folders of several files, and a crash while writing them must leave the previous folder (or
// none), never a mix.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace amem::io {

// Calls `fill` with an empty staging folder next to `dir`, then swaps it in for `dir`: the old
// folder (if any) moves aside first and is removed last, so some complete folder exists under a
// known name at every moment. If `fill` throws, the staging folder is removed, `dir` is left as
// it was, and the error propagates (filesystem failures as amem::Error naming `dir`).
void write_folder_atomic(const std::string& dir, const std::function<void(const std::filesystem::path&)>& fill);

}  // namespace amem::io
