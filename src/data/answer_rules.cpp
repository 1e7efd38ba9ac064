#include "amem/data/answer_rules.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace amem::data {

namespace {

// Decodes the code point starting at text[pos] and its length in bytes. Invalid bytes count
// as one code point each (they are never whitespace), so that nothing is ever skipped.
std::pair<uint32_t, std::size_t> decode_at(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || pos + length > text.size()) return {0xFFFD, 1};
  uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return {0xFFFD, 1};
    code = (code << 6) | (byte(pos + i) & 0x3F);
  }
  return {code, length};
}

bool is_python_whitespace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::size_t code_point_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); pos += decode_at(text, pos).second) ++count;
  return count;
}

}  // namespace

std::string strip_whitespace(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last non-whitespace code point
  bool seen_text = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto [code, length] = decode_at(text, pos);
    if (!is_python_whitespace(code)) {
      if (!seen_text) begin = pos;
      seen_text = true;
      end = pos + length;
    }
    pos += length;
  }
  return seen_text ? std::string(text.substr(begin, end - begin)) : std::string();
}

std::vector<std::string> drop_blank_answers(std::vector<std::string> answers) {
  answers.erase(
      std::remove_if(answers.begin(), answers.end(), [](const std::string& a) { return strip_whitespace(a).empty(); }),
      answers.end());
  return answers;
}

const std::string& shortest_answer(const std::vector<std::string>& answers) {
  const std::string* best = &answers.front();
  std::size_t best_length = code_point_count(*best);
  for (const auto& answer : answers) {
    const std::size_t length = code_point_count(answer);
    if (length < best_length) {
      best = &answer;
      best_length = length;
    }
  }
  return *best;
}

std::string capitalize_first(std::string_view answer) {
  std::string result(answer);
  if (answer.empty()) return result;
  const auto [code, length] = decode_at(answer, 0);
  if (code >= 'a' && code <= 'z') {
    result[0] = static_cast<char>(code - 'a' + 'A');
  } else if (code >= 0xE0 && code <= 0xFE && code != 0xF7 && length == 2) {
    // Latin-1 small letters sit 0x20 above their capitals; both encode in two bytes
    // (0xC3 lead), so only the second byte changes.
    result[1] = static_cast<char>(static_cast<unsigned char>(result[1]) - 0x20);
  }
  return result;
}

}  // namespace amem::data
