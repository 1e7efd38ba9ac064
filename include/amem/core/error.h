// Errors that reach the user. Every message is one line that names the file, key or field
// at fault and what was expected; the command line prints it as "amem: error: <message>".
#pragma once

#include <stdexcept>
#include <string>

namespace amem {

// A problem with the user's input (a file, a checkpoint, data). Exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem with the configuration or the command line: unknown key, wrong type, missing
// required key, bad option. Exit code 2, like any usage error.
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace amem
