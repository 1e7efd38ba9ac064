// The message of the amem::Error an action throws, for tests that check error texts.
#pragma once

#include <functional>
#include <string>

#include "amem/core/error.h"

namespace amem::testing {

// "no error" when `action` returns normally; other exception types propagate.
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const amem::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace amem::testing
