#include "amem/text/utf8.h"

namespace amem::text {

namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

Utf8Unit next_utf8_unit(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {lead, 1, true};

  // The length of the sequence and the range allowed for its second byte, which is what
  // excludes overlong forms (E0, F0), surrogates (ED) and values above U+10FFFF (F4).
  size_t length = 0;
  unsigned char second_min = 0x80, second_max = 0xBF;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code_point = lead & 0x0F;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code_point = lead & 0x07;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return {0, 1, false};  // a stray continuation byte, C0, C1 or F5..FF
  }

  size_t i = 1;
  for (; i < length && pos + i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    const bool in_range =
        i == 1 ? (byte >= second_min && byte <= second_max) : is_continuation(byte);
    if (!in_range) break;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  if (i < length) return {0, i, false};  // the lead byte and the valid bytes that followed it
  return {code_point, length, true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t first_invalid_utf8(std::string_view bytes) {
  for (size_t pos = 0; pos < bytes.size();) {
    const Utf8Unit unit = next_utf8_unit(bytes, pos);
    if (!unit.valid) return pos;
    pos += unit.length;
  }
  return bytes.size();
}

std::string replace_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    const Utf8Unit unit = next_utf8_unit(bytes, pos);
    if (unit.valid) {
      out.append(bytes.substr(pos, unit.length));
    } else {
      append_utf8(out, U'\uFFFD');
    }
    pos += unit.length;
  }
  return out;
}

}  // namespace amem::text
