#include "amem/train/lm_batch.h"

#include <algorithm>

#include "amem/core/error.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"

namespace amem::train {

namespace {

struct Example {
  std::vector<int64_t> ids;
  size_t prompt = 0;  // leading tokens without loss
};

LmBatch pad_right(const std::vector<Example>& examples, int64_t pad_id) {
  size_t width = 1;
  for (const auto& e : examples) width = std::max(width, e.ids.size());
  const auto rows = static_cast<int64_t>(examples.size());
  LmBatch batch;
  batch.input_ids = torch::full({rows, int64_t(width)}, pad_id, torch::kLong);
  batch.attention_mask = torch::zeros({rows, int64_t(width)}, torch::kLong);
  batch.labels = torch::full({rows, int64_t(width)}, kIgnoreIndex, torch::kLong);
  for (int64_t r = 0; r < rows; ++r) {
    const auto& e = examples[r];
    const auto n = static_cast<int64_t>(e.ids.size());
    if (n == 0) continue;
    const auto ids = torch::tensor(e.ids, torch::kLong);
    batch.input_ids[r].slice(0, 0, n).copy_(ids);
    batch.attention_mask[r].slice(0, 0, n).fill_(1);
    batch.labels[r].slice(0, int64_t(e.prompt), n).copy_(ids.slice(0, int64_t(e.prompt)));
  }
  return batch;
}

int64_t pad_id_of(const text::Tokenizer& tokenizer) {
  const auto& special = tokenizer.special();
  // Padding is masked out and unlabelled, so any id in the vocabulary does.
  return special.pad.value_or(special.eos.value_or(0));
}

}  // namespace

int64_t LmBatch::tokens() const { return attention_mask.sum().item<int64_t>(); }

LmBatch LmBatch::to(const torch::Device& device) const {
  return {input_ids.to(device), attention_mask.to(device), labels.to(device)};
}

LmBatch qa_batch(const text::Tokenizer& tokenizer, const std::vector<const data::Question*>& questions,
                 int64_t max_tokens) {
  const auto eos = tokenizer.special().eos;
  if (!eos) throw Error("qa_batch: the tokenizer has no EOS token, which ends every answer");
  std::vector<Example> examples;
  for (const auto* q : questions) {
    auto answer = tokenizer.encode(" " + q->target);
    answer.push_back(*eos);
    const auto limit = static_cast<size_t>(std::max<int64_t>(max_tokens, 1));
    if (answer.size() > limit) answer.resize(limit);
    Example e;
    e.ids = tokenizer.keep_last(tokenizer.encode_for_model(q->text), limit - answer.size());
    e.prompt = e.ids.size();
    e.ids.insert(e.ids.end(), answer.begin(), answer.end());
    examples.push_back(std::move(e));
  }
  return pad_right(examples, pad_id_of(tokenizer));
}

LmBatch text_batch(const text::Tokenizer& tokenizer, const std::vector<std::string>& texts, int64_t max_tokens) {
  std::vector<Example> examples;
  for (const auto& text : texts) {
    Example e;
    e.ids = tokenizer.encode_for_model(text);
    if (e.ids.size() > static_cast<size_t>(max_tokens)) e.ids.resize(static_cast<size_t>(max_tokens));
    examples.push_back(std::move(e));
  }
  return pad_right(examples, pad_id_of(tokenizer));
}

}  // namespace amem::train
