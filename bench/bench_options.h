// The `--name value` options of the bench programs: each program lists its options with their
// defaults, and the command line overrides them.
#pragma once

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "amem/core/error.h"

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

// "key=value;key=value" (the --overrides option) as config overrides; empty pieces are skipped.
inline std::vector<std::string> split_overrides(const std::string& text) {
  std::vector<std::string> overrides;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = std::min(text.find(';', begin), text.size());
    if (end > begin) overrides.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return overrides;
}

// Runs a bench program's body: a bad config or input (amem::ConfigError, amem::Error) is one line
// prefixed with `program` and exit 2 or 1, as amem's commands do, instead of an abort.
inline int guarded(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace amem::bench
