// The salient spans of a text, for the salient-span fine-tuning baseline: a heuristic
// stand-in for a named-entity tagger, so that the baseline needs no tagger model.
//
// The text is split into words at whitespace; a word's punctuation at either end is not
// part of it. A *run* is a maximal sequence of consecutive words that are each capitalised
// (first letter A-Z) or contain a digit; a run ends at . ; : ! ?, a bracket or a quote,
// but not at a comma, so "Santa Clara, California" and "February 7, 2016" stay whole. A run
// is salient when it contains a number (amounts, years, dates such as "3 February 2021") or
// at least two capitalised words (names such as "Ines Varga", "Levi's Stadium"); a leading
// "The", "A" or "An" is dropped. A lone capitalised word (usually a sentence start) is not
// salient.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace amem::methods {

struct TextSpan {
  std::size_t begin = 0, end = 0;  // byte offsets, end exclusive
  bool operator==(const TextSpan& o) const { return begin == o.begin && end == o.end; }
};

// In text order, not overlapping.
std::vector<TextSpan> salient_spans(std::string_view text);

}  // namespace amem::methods
