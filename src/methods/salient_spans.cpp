#include "amem/methods/salient_spans.h"

#include <cctype>
#include <string>

namespace amem::methods {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
// Bytes of a multi-byte UTF-8 character count as word characters (accented names).
bool is_word_char(char c) { return is_alnum(c) || static_cast<unsigned char>(c) >= 0x80; }

struct Word {
  TextSpan span;           // without surrounding punctuation
  bool capitalised = false;
  bool has_digit = false;
  bool ends_run = false;   // followed by sentence punctuation, a bracket or a quote
};

std::vector<Word> words(std::string_view text) {
  std::vector<Word> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    size_t begin = start, end = i;
    while (begin < end && !is_word_char(text[begin])) ++begin;
    while (end > begin && !is_word_char(text[end - 1])) --end;
    if (begin == end) continue;
    Word w;
    w.span = {begin, end};
    w.capitalised = std::isupper(static_cast<unsigned char>(text[begin])) != 0;
    for (size_t k = begin; k < end; ++k) w.has_digit |= std::isdigit(static_cast<unsigned char>(text[k])) != 0;
    const std::string_view leading = text.substr(start, begin - start), trailing = text.substr(end, i - end);
    if (!out.empty() && leading.find_first_of("([{\"'") != std::string_view::npos) out.back().ends_run = true;
    w.ends_run = trailing.find_first_of(".;:!?)]}\"'") != std::string_view::npos;
    out.push_back(w);
  }
  return out;
}

bool is_article(std::string_view word) { return word == "The" || word == "A" || word == "An"; }

}  // namespace

std::vector<TextSpan> salient_spans(std::string_view text) {
  const auto all = words(text);
  std::vector<TextSpan> spans;
  size_t i = 0;
  while (i < all.size()) {
    if (!all[i].capitalised && !all[i].has_digit) {
      ++i;
      continue;
    }
    size_t end = i;  // the run is all[i .. end]
    while (!all[end].ends_run && end + 1 < all.size() && (all[end + 1].capitalised || all[end + 1].has_digit)) ++end;
    size_t first = i;
    const auto& w = all[first].span;
    if (first < end && is_article(text.substr(w.begin, w.end - w.begin))) ++first;
    size_t capitalised = 0;
    bool number = false;
    for (size_t k = first; k <= end; ++k) {
      capitalised += all[k].capitalised;
      number |= all[k].has_digit;
    }
    if (number || capitalised >= 2) spans.push_back({all[first].span.begin, all[end].span.end});
    i = end + 1;
  }
  return spans;
}

}  // namespace amem::methods
