#include "amem/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "amem/core/error.h"

namespace amem::io {

namespace {

std::string temporary_name_for(const std::string& path) {
  std::random_device rd;
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
}

// rename() is atomic, but the data must reach the disk before the new name does, or a crash
// could leave a complete-looking but empty file.
void flush_to_disk(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw Error(path + ": cannot create folder " + parent.string() + ": " + ec.message());
  }
  const std::string tmp = temporary_name_for(path);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error(path + ": cannot open for writing: " + std::strerror(errno));
      write(out);
      out.flush();
      if (!out) throw Error(path + ": write failed: " + std::strerror(errno));
    }
    flush_to_disk(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw Error(path + ": cannot rename temporary file into place: " + std::strerror(errno));
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  write_file_atomic(path, [&](std::ostream& out) { out.write(contents.data(), contents.size()); });
}

}  // namespace amem::io
