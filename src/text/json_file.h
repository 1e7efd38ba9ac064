// Reading the JSON files of a tokenizer folder with one-line errors that name the file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace amem::text {

// The parsed file; throws amem::Error "<path>: cannot be read" / "<path>: invalid JSON (...)".
nlohmann::json read_json_file(const std::string& path);

}  // namespace amem::text
