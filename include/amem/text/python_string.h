// The Python `str` operations that answer normalisation depends on, reproduced exactly.
//
// The official SQuAD v1.1 evaluation script lower-cases with str.lower(), removes articles with
// the `re` pattern \b(a|an|the)\b and splits with str.split(). All three are Unicode-aware in
// Python 3 (e.g. 'É' lowers to 'é', U+3000 is whitespace, 'é' is a word character), so a plain
// ASCII implementation would score non-English answers differently from the papers. The tables
// are read off Python itself (scripts/fixtures/gen_python_string_tables.py).
//
// Text is UTF-8; invalid bytes are treated as U+FFFD, as Python's decode(errors="replace").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amem::text {

// str.lower(), including the Final_Sigma rule (capital sigma becomes 'ς' at the end of a word).
std::string python_lower(std::string_view text);

// str.split() with no arguments: splits on runs of str.isspace() characters, drops empty parts.
std::vector<std::string> python_split(std::string_view text);

bool python_isspace(char32_t code_point);
// `\w` of Python's `re` on str patterns: str.isalnum() or '_'.
bool python_is_word_char(char32_t code_point);

// The code points of UTF-8 text (invalid units become U+FFFD).
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view code_points);

}  // namespace amem::text
