#include "amem/text/gpt2_pretokenizer.h"

#include "amem/text/unicode_classes.h"
#include "amem/text/utf8.h"

namespace amem::text {

namespace {

enum class CharClass { kLetter, kNumber, kWhiteSpace, kOther };

// The text as a sequence of units (code points, or runs of invalid bytes), each with its class.
struct Unit {
  size_t begin;
  CharClass cls;
  bool is_space;  // U+0020 exactly: the only character the " ?" prefixes accept
};

CharClass class_of(const Utf8Unit& unit) {
  if (!unit.valid) return CharClass::kOther;
  if (is_letter(unit.code_point)) return CharClass::kLetter;
  if (is_number(unit.code_point)) return CharClass::kNumber;
  if (is_white_space(unit.code_point)) return CharClass::kWhiteSpace;
  return CharClass::kOther;
}

std::vector<Unit> classify(std::string_view text) {
  std::vector<Unit> units;
  for (size_t pos = 0; pos < text.size();) {
    const Utf8Unit u = next_utf8_unit(text, pos);
    units.push_back({pos, class_of(u), u.valid && u.code_point == U' '});
    pos += u.length;
  }
  return units;
}

// The length in bytes of a contraction ('s 't 're 've 'm 'll 'd, case-sensitive) at text[pos].
size_t contraction_length(std::string_view text, size_t pos) {
  if (text[pos] != '\'') return 0;
  for (std::string_view suffix : {"s", "t", "re", "ve", "m", "ll", "d"}) {
    if (text.substr(pos + 1, suffix.size()) == suffix) return 1 + suffix.size();
  }
  return 0;
}

}  // namespace

std::vector<std::string_view> split_gpt2_words(std::string_view text) {
  const std::vector<Unit> units = classify(text);
  const size_t n = units.size();
  auto run_end = [&](size_t i, CharClass cls) {  // first unit at or after i not of class cls
    while (i < n && units[i].cls == cls) ++i;
    return i;
  };

  std::vector<std::string_view> words;
  size_t i = 0;
  auto emit_until = [&](size_t end_unit) {
    const size_t begin = units[i].begin;
    const size_t end = end_unit < n ? units[end_unit].begin : text.size();
    words.push_back(text.substr(begin, end - begin));
    i = end_unit;
  };

  while (i < n) {
    // 's|'t|'re|'ve|'m|'ll|'d  (all ASCII: one unit per byte)
    if (const size_t len = contraction_length(text, units[i].begin)) {
      emit_until(i + len);
      continue;
    }
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
    const size_t body = units[i].is_space && i + 1 < n ? i + 1 : i;
    if (units[body].cls != CharClass::kWhiteSpace) {
      emit_until(run_end(body, units[body].cls));
      continue;
    }
    // '\s+(?!\S)' then '\s+': a whitespace run, less its last character when a non-space
    // follows and the run is longer than one (that character then prefixes the next word).
    const size_t end = run_end(i, CharClass::kWhiteSpace);
    emit_until(end < n && end - i > 1 ? end - 1 : end);
  }
  return words;
}

}  // namespace amem::text
