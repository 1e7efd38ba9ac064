// The `--name value` options of the bench programs: each program lists its options with their
// defaults, and the command line overrides them.
#pragma once

#include <cstdio>
#include <map>
#include <string>

namespace amem::bench {

// Overrides `options` from argv. An unknown name or a missing value is printed (prefixed with
// `program`) and returns false.
inline bool read_options(int argc, char** argv, const char* program, std::map<std::string, std::string>& options) {
  for (int i = 1; i < argc; i += 2) {
    if (!options.count(argv[i]) || i + 1 >= argc) {
      std::fprintf(stderr, "%s: unknown option or missing value: %s\n", program, argv[i]);
      return false;
    }
    options[argv[i]] = argv[i + 1];
  }
  return true;
}

}  // namespace amem::bench
