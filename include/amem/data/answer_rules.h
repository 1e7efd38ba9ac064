// The small text rules the reference code (CaMeLS, MAC) applies when it turns a dataset row
// into a question and a training target. They follow Python's str semantics, because a
// target that differs by one character changes EM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amem::data {

// Python's str.strip(): removes leading and trailing Unicode whitespace (ASCII whitespace,
// U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000) from UTF-8 text.
std::string strip_whitespace(std::string_view text);

// The answers that are not empty or only whitespace, in order. Readers drop the others
// before picking a target: the reference would pick an empty one as the shortest.
std::vector<std::string> drop_blank_answers(std::vector<std::string> answers);

// Python's min(answers, key=len): the answer with the fewest characters (code points, not
// bytes), the first one on a tie. `answers` must not be empty.
const std::string& shortest_answer(const std::vector<std::string>& answers);

// `if answer[0].islower(): answer = answer[0].upper() + answer[1:]`, for first letters in
// ASCII and Latin-1 (a-z, U+00E0..U+00FE except U+00F7). Other scripts' first letters are
// left as they are: the reference would upper-case them, but no English QA set starts an
// answer with one often enough to matter, and full Unicode case tables are not worth it here.
std::string capitalize_first(std::string_view answer);

}  // namespace amem::data
