#include "amem/text/tokenizer.h"

namespace amem::text {

std::vector<int64_t> Tokenizer::encode_for_model(std::string_view text) const {
  std::vector<int64_t> ids;
  if (special_.add_bos && special_.bos) ids.push_back(*special_.bos);
  std::vector<int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  if (special_.add_eos && special_.eos) ids.push_back(*special_.eos);
  return ids;
}

std::string Tokenizer::decode_continuation(const std::vector<int64_t>& prompt,
                                           const std::vector<int64_t>& continuation, bool skip_special) const {
  std::vector<int64_t> whole = prompt;
  whole.insert(whole.end(), continuation.begin(), continuation.end());
  const std::string before = decode(prompt, skip_special), after = decode(whole, skip_special);
  if (after.compare(0, before.size(), before) == 0) return after.substr(before.size());
  return decode(continuation, skip_special);
}

std::vector<int64_t> Tokenizer::keep_last(std::vector<int64_t> ids, size_t budget) const {
  if (ids.size() <= budget) return ids;
  if (budget == 0) return {};
  const bool keeps_bos = special_.add_bos && special_.bos && ids.front() == *special_.bos;
  const size_t first = keeps_bos ? 1 : 0;
  ids.erase(ids.begin() + std::ptrdiff_t(first), ids.end() - std::ptrdiff_t(budget - first));
  return ids;
}

}  // namespace amem::text
