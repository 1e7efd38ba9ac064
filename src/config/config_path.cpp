#include "amem/config/config_path.h"

#include <filesystem>
#include <fstream>

#include "amem/core/error.h"

namespace amem::config {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const Config& config, const std::string& key, const std::string& path,
                       const std::string& problem) {
  throw ConfigError(config.source_of(key) + ": " + key + ": '" + path + "': " + problem);
}

}  // namespace

std::string existing_path(const Config& config, const std::string& key, PathKind kind, const char* marker) {
  const std::string path = config.get<std::string>(key);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  const char* expected = kind == PathKind::file ? "file" : "folder";
  if (path.empty()) fail(config, key, path, std::string("empty, expected a ") + expected);
  if (!fs::exists(status)) fail(config, key, path, std::string("no such ") + expected);
  if (kind == PathKind::file) {
    if (fs::is_directory(status)) fail(config, key, path, "is a folder, expected a file");
    if (!std::ifstream(path, std::ios::binary)) fail(config, key, path, "cannot be read");
    return path;
  }
  if (!fs::is_directory(status)) fail(config, key, path, "is a file, expected a folder");
  if (marker && !fs::is_regular_file(fs::path(path) / marker, ec))
    fail(config, key, path, std::string("holds no ") + marker + " (is it the right folder?)");
  return path;
}

std::string output_folder(const Config& config, const std::string& key) {
  const std::string path = config.get<std::string>(key);
  std::error_code ec;
  if (path.empty()) fail(config, key, path, "empty, expected a folder");
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) fail(config, key, path, "is a file, expected a folder");
  return path;
}

}  // namespace amem::config
