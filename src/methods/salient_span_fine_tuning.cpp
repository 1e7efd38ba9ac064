#include "amem/methods/salient_span_fine_tuning.h"

#include "amem/methods/salient_spans.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

std::vector<bool> SalientSpanFineTuning::salient_tokens(const torch::Tensor& ids) const {
  const auto cpu = ids.cpu().contiguous();
  const int64_t* data = cpu.data_ptr<int64_t>();
  const std::vector<int64_t> all(data, data + cpu.numel());
  const auto spans = salient_spans(tokenizer().decode(all));
  std::vector<bool> salient;
  size_t begin = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const size_t end = tokenizer().decode({all.begin(), all.begin() + std::ptrdiff_t(i + 1)}).size();
    bool overlaps = false;
    for (const auto& s : spans) overlaps |= begin < s.end && s.begin < end;
    salient.push_back(overlaps);
    begin = std::max(begin, end);
  }
  return salient;
}

torch::Tensor SalientSpanFineTuning::labels(const data::Document&, const torch::Tensor& ids) const {
  const auto salient = salient_tokens(ids);
  const auto keep = torch::tensor(std::vector<int64_t>(salient.begin(), salient.end()), torch::kLong);
  return ids.masked_fill(keep.view_as(ids).to(ids.device()) == 0, train::kIgnoreIndex);
}

}  // namespace amem::methods
