#include "amem/io/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "amem/core/error.h"

namespace amem::io {

namespace {

std::string failed_entry;
int failed_errno = 0;

// Called for every entry, children before their folder (FTW_DEPTH).
int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  if (std::remove(path) == 0) return 0;
  failed_entry = path;
  failed_errno = errno;
  return 1;
}

}  // namespace

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    throw Error(failed_entry + ": cannot remove: " + std::strerror(failed_errno));
}

}  // namespace amem::io
