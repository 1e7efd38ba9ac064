#include "amem/io/link_tree.h"

#include "amem/core/error.h"

namespace amem::io {

namespace fs = std::filesystem;

void link_tree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::create_directory(to, ec) || ec)
    throw Error(to.string() + ": cannot create folder" + (ec ? ": " + ec.message() : " (it exists)"));
  for (const auto& entry : fs::directory_iterator(from)) {
    const fs::path target = to / entry.path().filename();
    if (entry.is_directory()) {
      link_tree(entry.path(), target);
      continue;
    }
    fs::create_hard_link(entry.path(), target, ec);
    if (ec && !fs::copy_file(entry.path(), target, ec))
      throw Error(entry.path().string() + ": cannot link or copy to " + target.string() + ": " + ec.message());
  }
}

}  // namespace amem::io
