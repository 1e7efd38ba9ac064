#include "amem/io/atomic_folder.h"

#include <random>

#include "amem/core/error.h"
#include "amem/io/remove_tree.h"

namespace amem::io {

namespace fs = std::filesystem;

void write_folder_atomic(const std::string& dir, const std::function<void(const fs::path&)>& fill) {
  const fs::path target(dir);
  // A random suffix: two writers of one folder (two runs sharing an output) do not share staging.
  const fs::path staging = target.string() + ".tmp-" + std::to_string(std::random_device{}());
  try {
    remove_tree(staging.string());
    fs::create_directories(staging);
    fill(staging);
    const fs::path old = target.string() + ".old";
    remove_tree(old.string());
    if (fs::exists(target)) fs::rename(target, old);
    fs::rename(staging, target);
    remove_tree(old.string());
  } catch (const fs::filesystem_error& e) {
    remove_tree(staging.string());
    throw Error(dir + ": cannot write folder: " + e.what());
  } catch (...) {
    remove_tree(staging.string());
    throw;
  }
}

}  // namespace amem::io
