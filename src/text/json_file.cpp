#include "text/json_file.h"

#include <fstream>
#include <sstream>

#include "amem/core/error.h"

namespace amem::text {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be read");
  std::stringstream contents;
  contents << in.rdbuf();
  try {
    return nlohmann::json::parse(contents.str());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
    std::string what = e.what();
    const auto bracket = what.find("] ");
    throw Error(path + ": invalid JSON (" + what.substr(bracket == std::string::npos ? 0 : bracket + 2) + ")");
  }
}

}  // namespace amem::text
