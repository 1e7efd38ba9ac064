#include "amem/text/python_string.h"

#include <algorithm>

#include "amem/text/utf8.h"
#include "text/python_string_tables.h"

namespace amem::text {

namespace pt = python_tables;

namespace {

bool in_ranges(const pt::CodePointRange* table, size_t size, char32_t cp) {
  const auto* end = table + size;
  const auto* it = std::upper_bound(table, end, cp, [](char32_t c, const pt::CodePointRange& r) {
    return c < r.first;
  });
  return it != table && cp <= (it - 1)->last;
}

bool cased(char32_t cp) { return in_ranges(pt::kCased, pt::kCasedSize, cp); }
bool case_ignorable(char32_t cp) { return in_ranges(pt::kCaseIgnorable, pt::kCaseIgnorableSize, cp); }

// Python lowers capital sigma to final 'ς' when a cased letter precedes it (case-ignorable
// characters skipped) and none follows it; to 'σ' otherwise.
char32_t lower_sigma(const std::u32string& text, size_t i) {
  size_t j = i;
  while (j > 0 && case_ignorable(text[j - 1])) --j;
  if (j == 0 || !cased(text[j - 1])) return U'\u03C3';
  j = i + 1;
  while (j < text.size() && case_ignorable(text[j])) ++j;
  return j < text.size() && cased(text[j]) ? U'\u03C3' : U'\u03C2';
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Unit unit = next_utf8_unit(text, pos);
    out.push_back(unit.valid ? unit.code_point : U'\uFFFD');
    pos += unit.length;
  }
  return out;
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  for (char32_t cp : code_points) append_utf8(out, cp);
  return out;
}

bool python_isspace(char32_t cp) { return in_ranges(pt::kSpace, pt::kSpaceSize, cp); }
bool python_is_word_char(char32_t cp) { return in_ranges(pt::kWord, pt::kWordSize, cp); }

std::string python_lower(std::string_view text) {
  const std::u32string in = decode_utf8(text);
  std::u32string out;
  out.reserve(in.size());
  const auto* end = pt::kLower + pt::kLowerSize;
  for (size_t i = 0; i < in.size(); ++i) {
    const char32_t cp = in[i];
    if (cp == U'\u03A3') {
      out.push_back(lower_sigma(in, i));
      continue;
    }
    const auto* it = std::lower_bound(pt::kLower, end, cp,
                                      [](const pt::LowerMapping& m, char32_t c) { return m.from < c; });
    if (it == end || it->from != cp) {
      out.push_back(cp);
      continue;
    }
    out.push_back(it->to);
    if (it->to_second) out.push_back(it->to_second);
  }
  return encode_utf8(out);
}

std::vector<std::string> python_split(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Unit unit = next_utf8_unit(text, pos);
    if (unit.valid && python_isspace(unit.code_point)) {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
    } else {
      append_utf8(current, unit.valid ? unit.code_point : U'\uFFFD');
    }
    pos += unit.length;
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

}  // namespace amem::text
