// Reading the JSON files of a checkpoint or tokenizer folder with one-line errors that name the file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace amem::io {

// The parsed file; throws amem::Error "<path>: cannot be read" / "<path>: invalid JSON (...)".
nlohmann::json read_json_file(const std::string& path);

// The message for a field of the wrong type that the reader did not check itself
// (nlohmann::json::type_error): "<path>: unexpected JSON type (...)".
std::string json_type_error_message(const std::string& path, const nlohmann::json::exception& e);

}  // namespace amem::io
