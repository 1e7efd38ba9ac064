// UTF-8 decoding and encoding with the error handling the tokenizers need: byte strings that
// are not valid UTF-8 are split into "maximal subparts" (Unicode 14, section 3.9), the units
// that Python's bytes.decode("utf-8", "replace") and Rust's from_utf8_lossy each turn into one
// U+FFFD. Overlong forms, surrogates and code points above U+10FFFF are invalid.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace amem::text {

struct Utf8Unit {
  char32_t code_point = 0;  // meaningful only when valid
  size_t length = 0;        // bytes consumed; at least 1
  bool valid = false;
};

// The code point that starts at text[pos] (pos < text.size()), or the invalid bytes there.
Utf8Unit next_utf8_unit(std::string_view text, size_t pos);

void append_utf8(std::string& out, char32_t code_point);

// Where the first invalid unit of `bytes` starts; bytes.size() when all of it is UTF-8.
size_t first_invalid_utf8(std::string_view bytes);

// `bytes` with every invalid unit replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view bytes);

}  // namespace amem::text
