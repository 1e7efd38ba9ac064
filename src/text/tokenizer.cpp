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

}  // namespace amem::text
