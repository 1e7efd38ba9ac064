// GPT-2's pre-tokenization: the text is cut into words before BPE runs on each, following
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// (leftmost alternative wins at each position). Implemented as a scanner over code points
// rather than with a regex library, so that the Unicode classes are exactly those of
// unicode_classes.h on every platform. Bytes that are not valid UTF-8 count as symbols (the
// [^\s\p{L}\p{N}] class), so every byte of the input lands in exactly one word.
#pragma once

#include <string_view>
#include <vector>

namespace amem::text {

// The words of `text`, in order; their concatenation is `text`.
std::vector<std::string_view> split_gpt2_words(std::string_view text);

}  // namespace amem::text
