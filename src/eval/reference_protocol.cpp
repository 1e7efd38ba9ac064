#include "amem/eval/reference_protocol.h"

#include "amem/core/error.h"
#include "amem/data/answer_rules.h"
#include "amem/text/clean_up_tokenization.h"
#include "amem/text/python_string.h"
#include "amem/text/tokenizer.h"

namespace amem::eval {

namespace {

// The decoded text, cleaned up and stripped as str.strip() does (data::strip_whitespace), in
// code points: the reference slices its strings by character.
std::u32string clean_code_points(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
  return text::decode_utf8(data::strip_whitespace(text::clean_up_tokenization(tokenizer.decode(ids, true))));
}

}  // namespace

std::string decode_to_clean_text(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
  return text::encode_utf8(clean_code_points(tokenizer, ids));
}

std::string reference_prediction(const text::Tokenizer& tokenizer, const std::vector<int64_t>& prompt,
                                 const std::vector<int64_t>& generated) {
  std::vector<int64_t> whole = prompt;
  whole.insert(whole.end(), generated.begin(), generated.end());
  const std::u32string output = clean_code_points(tokenizer, whole);
  const size_t question = clean_code_points(tokenizer, prompt).size();
  if (question >= output.size()) return "";
  return text::encode_utf8(std::u32string_view(output).substr(question));
}

std::string reference_gold(const text::Tokenizer& tokenizer, std::string_view target, int64_t max_tokens) {
  if (max_tokens < 1) throw Error("reference_gold: max_tokens must be at least 1, got " + std::to_string(max_tokens));
  std::vector<int64_t> ids = tokenizer.encode_for_model(" " + std::string(target));
  if (ids.size() > size_t(max_tokens)) ids.resize(size_t(max_tokens));
  return decode_to_clean_text(tokenizer, ids);
}

double gold_prefix_exact_match(std::string_view prediction, std::string_view gold) {
  const std::u32string predicted = text::decode_utf8(normalize_answer(prediction));
  const std::u32string expected = text::decode_utf8(normalize_answer(gold));
  return predicted.compare(0, expected.size(), expected) == 0 ? 1.0 : 0.0;
}

AnswerScore reference_score(std::string_view prediction, std::string_view gold) {
  return {gold_prefix_exact_match(prediction, gold), f1_score(prediction, gold)};
}

}  // namespace amem::eval
