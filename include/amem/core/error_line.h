// The one line an error is reported in: its message up to the first line break. c10::Error
// messages (LibTorch) carry a C++ backtrace after it; users need the first line.
#pragma once

#include <exception>
#include <string>

namespace amem {

inline std::string error_line(const std::exception& error) {
  const std::string what = error.what();
  return what.substr(0, what.find('\n'));
}

}  // namespace amem
