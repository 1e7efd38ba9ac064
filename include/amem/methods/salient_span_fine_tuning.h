// The salient-span fine-tuning baseline of CaMeLS: as uniform fine-tuning, but the loss counts
// only the tokens of the document's salient spans (salient_spans.h), the names, numbers and
// dates questions tend to ask about.
//
// Spans are found in the decoded text of the document's tokens, and token i covers the bytes
// decode(ids[0..i]) adds to decode(ids[0..i-1]); a token is salient when those bytes overlap
// a span. That growth is measured on the few tokens before i rather than the whole prefix
// (decoding is local: a token's text depends only on its neighbours, such as the bytes of one
// UTF-8 character), so labelling costs O(L) for L tokens.
#pragma once

#include "amem/methods/uniform_fine_tuning.h"

namespace amem::methods {

class SalientSpanFineTuning : public UniformFineTuning {
 public:
  using UniformFineTuning::UniformFineTuning;
  std::string name() const override { return "salient"; }

  // 1 for each token of ids ([1, L]) inside a salient span, else 0.
  std::vector<bool> salient_tokens(const torch::Tensor& ids) const;

 protected:
  torch::Tensor labels(const data::Document& document, const torch::Tensor& ids) const override;
};

}  // namespace amem::methods
