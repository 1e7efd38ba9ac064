#include "amem/io/json_file.h"

#include <fstream>
#include <sstream>

#include "amem/core/error.h"

namespace amem::io {

namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] "; the file name replaces it.
std::string without_prefix(const std::string& what) {
  const auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  std::stringstream contents;
  contents << in.rdbuf();
  try {
    return nlohmann::json::parse(contents.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": invalid JSON (" + without_prefix(e.what()) + ")");
  }
}

std::string json_type_error_message(const std::string& path, const nlohmann::json::exception& e) {
  return path + ": unexpected JSON type (" + without_prefix(e.what()) + ")";
}

}  // namespace amem::io
