#include "amem/text/byte_level_alphabet.h"

#include <array>

namespace amem::text {

namespace {

bool is_printable_latin1(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE);
}

std::array<char32_t, 256> build_alphabet() {
  std::array<char32_t, 256> alphabet{};
  char32_t next_unprintable = 0x100;
  for (int byte = 0; byte < 256; ++byte) {
    alphabet[byte] = is_printable_latin1(byte) ? static_cast<char32_t>(byte) : next_unprintable++;
  }
  return alphabet;
}

const std::array<char32_t, 256>& alphabet() {
  static const std::array<char32_t, 256> table = build_alphabet();
  return table;
}

}  // namespace

char32_t byte_to_code_point(uint8_t byte) { return alphabet()[byte]; }

std::optional<uint8_t> code_point_to_byte(char32_t code_point) {
  // Every byte maps below U+0144, so the inverse is a small table too.
  static const std::array<int, 0x144> inverse = [] {
    std::array<int, 0x144> table;
    table.fill(-1);
    for (int byte = 0; byte < 256; ++byte) table[alphabet()[byte]] = byte;
    return table;
  }();
  if (code_point >= inverse.size() || inverse[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(inverse[code_point]);
}

}  // namespace amem::text
