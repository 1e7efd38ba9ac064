#include "amem/methods/mac/mac_adapter.h"

namespace amem::methods {

void MacAdapter::absorb(const data::Document& document) {
  torch::NoGradGuard no_grad;
  bank_.append(document.id, mac_.amortize({document.text})[0]);
}

std::vector<std::string> MacAdapter::answer(const std::vector<data::Question>& questions) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> texts;
  for (const auto& q : questions) texts.push_back(q.text);
  const auto prefix = mac_.to_prefix(mac_.aggregate(texts, bank_.modulations(), window_));
  return answerer_.answer(questions, &prefix);
}

}  // namespace amem::methods
