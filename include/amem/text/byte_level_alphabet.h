// GPT-2's byte-level alphabet: a reversible map from the 256 byte values to printable code
// points, so that BPE vocabularies can be stored as text. Printable Latin-1 bytes
// ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) map to themselves; the remaining 68 bytes map, in
// increasing order, to U+0100, U+0101, ... (so the space 0x20 becomes U+0120 'Ġ').
#pragma once

#include <cstdint>
#include <optional>

namespace amem::text {

char32_t byte_to_code_point(uint8_t byte);
std::optional<uint8_t> code_point_to_byte(char32_t code_point);

}  // namespace amem::text
