// The Unicode character classes that GPT-2's pre-tokenization pattern uses, from a generated
// range table (src/text/unicode_classes.cpp, written by scripts/fixtures/gen_unicode_classes.py).
#pragma once

namespace amem::text {

bool is_letter(char32_t code_point);       // \p{L}: general category Lu, Ll, Lt, Lm or Lo
bool is_number(char32_t code_point);       // \p{N}: general category Nd, Nl or No
bool is_white_space(char32_t code_point);  // \s: the White_Space property

}  // namespace amem::text
