#include "amem/eval/squad_metric.h"

#include <algorithm>
#include <map>

#include "amem/core/error.h"
#include "amem/text/python_string.h"

namespace amem::eval {

namespace {

// Python's string.punctuation.
bool is_ascii_punctuation(char32_t cp) {
  static const std::u32string_view kPunctuation = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  return kPunctuation.find(cp) != std::u32string_view::npos;
}

// re.sub(r'\b(a|an|the)\b', ' ', text): the alternatives are tried in order at each position,
// so with the trailing \b the match is always the whole word.
std::u32string replace_articles(const std::u32string& text) {
  auto word = [&](size_t i) { return i < text.size() && text::python_is_word_char(text[i]); };
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    if (word(i) && (i == 0 || !word(i - 1))) {
      bool replaced = false;
      for (std::u32string_view article : {U"a", U"an", U"the"}) {
        if (text.compare(i, article.size(), article) == 0 && !word(i + article.size())) {
          out.push_back(U' ');
          i += article.size();
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

std::vector<std::string> normalized_tokens(std::string_view text) {
  return text::python_split(normalize_answer(text));
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::u32string chars = text::decode_utf8(text::python_lower(text));
  chars.erase(std::remove_if(chars.begin(), chars.end(), is_ascii_punctuation), chars.end());
  std::string joined;
  for (const auto& token : text::python_split(text::encode_utf8(replace_articles(chars)))) {
    if (!joined.empty()) joined += ' ';
    joined += token;
  }
  return joined;
}

double exact_match(std::string_view prediction, std::string_view gold) {
  return normalize_answer(prediction) == normalize_answer(gold) ? 1.0 : 0.0;
}

double f1_score(std::string_view prediction, std::string_view gold) {
  const auto predicted = normalized_tokens(prediction);
  const auto expected = normalized_tokens(gold);
  std::map<std::string, int> gold_counts;
  for (const auto& t : expected) ++gold_counts[t];
  int shared = 0;
  for (const auto& t : predicted) {
    auto it = gold_counts.find(t);
    if (it != gold_counts.end() && it->second > 0) {
      --it->second;
      ++shared;
    }
  }
  if (shared == 0) return 0.0;
  const double precision = double(shared) / double(predicted.size());
  const double recall = double(shared) / double(expected.size());
  return 2 * precision * recall / (precision + recall);
}

AnswerScore score_answer(std::string_view prediction, const std::vector<std::string>& golds) {
  if (golds.empty()) throw Error("score_answer: a question has no gold answer to score against");
  AnswerScore best;
  for (const auto& gold : golds) {
    best.exact_match = std::max(best.exact_match, exact_match(prediction, gold));
    best.f1 = std::max(best.f1, f1_score(prediction, gold));
  }
  return best;
}

}  // namespace amem::eval
