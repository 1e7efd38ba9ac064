#include "amem/methods/mac/reference_qa_layout.h"

#include <algorithm>

#include "amem/core/error.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

std::optional<ReferenceQaLayout> ReferenceQaLayout::from(const config::Config& config) {
  if (config.get<std::string>("mac.qa_layout") != "reference") return std::nullopt;
  return ReferenceQaLayout{config.get<int64_t>("mac.qa_tokens"), config.get<int64_t>("mac.qa_answer_tokens")};
}

train::LmBatch reference_qa_batch(const text::Tokenizer& tokenizer, const std::vector<const data::Question*>& questions,
                                  int64_t qa_tokens, int64_t answer_tokens) {
  const auto& special = tokenizer.special();
  if (!special.eos) throw Error("reference_qa_batch: the tokenizer has no EOS token, which ends every answer");
  // The reference pads with pad_token = eos_token (M:common/dataset.py:37).
  const int64_t pad = *special.eos;
  const auto rows = static_cast<int64_t>(questions.size());
  train::LmBatch batch;
  batch.input_ids = torch::full({rows, qa_tokens}, pad, torch::kLong);
  batch.attention_mask = torch::zeros({rows, qa_tokens}, torch::kLong);
  batch.labels = torch::full({rows, qa_tokens}, train::kIgnoreIndex, torch::kLong);
  for (int64_t r = 0; r < rows; ++r) {
    auto ids = tokenizer.encode_for_model(questions[size_t(r)]->text);
    auto question_length = static_cast<int64_t>(ids.size());
    auto answer = tokenizer.encode_for_model(" " + questions[size_t(r)]->target);
    answer.push_back(*special.eos);
    ids.insert(ids.end(), answer.begin(), answer.end());
    auto length = static_cast<int64_t>(ids.size());
    if (length > qa_tokens + answer_tokens) {  // keep the last qa_tokens
      const int64_t cut = length - qa_tokens;
      ids.erase(ids.begin(), ids.begin() + cut);
      question_length = std::max<int64_t>(0, question_length - cut);
      length = qa_tokens;
    }
    length = std::min(length, qa_tokens);  // a row just over qa_tokens loses its end
    const auto kept = torch::tensor(std::vector<int64_t>(ids.begin(), ids.begin() + length), torch::kLong);
    batch.input_ids[r].slice(0, 0, length).copy_(kept);
    batch.attention_mask[r].slice(0, 0, length).fill_(1);
    if (question_length < length)
      batch.labels[r].slice(0, question_length, length).copy_(kept.slice(0, question_length));
  }
  return batch;
}

}  // namespace amem::methods
