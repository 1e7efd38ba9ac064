// The generated tables behind amem/text/python_string.h (see
// scripts/fixtures/gen_python_string_tables.py). Internal to src/text.
#pragma once

#include <cstddef>

namespace amem::text::python_tables {

struct CodePointRange {
  char32_t first, last;  // inclusive
};

struct LowerMapping {
  char32_t from, to, to_second;  // to_second is 0 unless lower() gives two code points
};

extern const LowerMapping kLower[];  // sorted by `from`
extern const size_t kLowerSize;
extern const CodePointRange kSpace[], kWord[], kCased[], kCaseIgnorable[];  // sorted
extern const size_t kSpaceSize, kWordSize, kCasedSize, kCaseIgnorableSize;

}  // namespace amem::text::python_tables
