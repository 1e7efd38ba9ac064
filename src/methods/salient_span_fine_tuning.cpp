#include "amem/methods/salient_span_fine_tuning.h"

#include "amem/methods/salient_spans.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

namespace {

// Tokens before token i that decoding token i may depend on: enough for the longest UTF-8
// sequence spread over byte tokens, with room to spare.
constexpr size_t kDecodeLookback = 8;

}  // namespace

std::vector<bool> SalientSpanFineTuning::salient_tokens(const torch::Tensor& ids) const {
  const auto cpu = ids.cpu().contiguous();
  const int64_t* data = cpu.data_ptr<int64_t>();
  const std::vector<int64_t> all(data, data + cpu.numel());
  const auto spans = salient_spans(tokenizer().decode(all));
  auto decoded_size = [&](size_t from, size_t to) {
    return int64_t(tokenizer().decode({all.begin() + std::ptrdiff_t(from), all.begin() + std::ptrdiff_t(to)}).size());
  };
  std::vector<bool> salient;
  // Signed: completing a UTF-8 character can shorten the text (replacement characters go).
  int64_t begin = 0, end = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    // What token i adds, measured within a window of the tokens before it (the same as the
    // full prefix's growth, at constant cost per token).
    const size_t from = i > kDecodeLookback ? i - kDecodeLookback : 0;
    end = end + decoded_size(from, i + 1) - decoded_size(from, i);
    bool overlaps = false;
    for (const auto& s : spans) overlaps |= begin < int64_t(s.end) && int64_t(s.begin) < end;
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
