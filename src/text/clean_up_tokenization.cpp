#include "amem/text/clean_up_tokenization.h"

#include <array>
#include <utility>

namespace amem::text {

namespace {

// Python's str.replace(old, new): every non-overlapping occurrence, scanning left to right.
std::string replace_all(const std::string& text, std::string_view old, std::string_view replacement) {
  std::string out;
  out.reserve(text.size());
  size_t from = 0;
  for (size_t at = text.find(old); at != std::string::npos; at = text.find(old, from)) {
    out.append(text, from, at - from);
    out.append(replacement);
    from = at + old.size();
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace

std::string clean_up_tokenization(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kRules = {{
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  }};
  std::string out(text);
  for (const auto& [old, replacement] : kRules) out = replace_all(out, old, replacement);
  return out;
}

}  // namespace amem::text
