#include "amem/eval/greedy_answerer.h"

#include <algorithm>

#include "amem/core/error.h"
#include "amem/generation/generate.h"
#include "amem/models/causal_lm.h"
#include "amem/text/tokenizer.h"

namespace amem::eval {

GreedyAnswerer::GreedyAnswerer(std::shared_ptr<models::CausalLm> model,
                               std::shared_ptr<const text::Tokenizer> tokenizer, int64_t max_new_tokens)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), max_new_tokens_(max_new_tokens) {
  prompt_budget(0);
}

size_t GreedyAnswerer::prompt_budget(int64_t prefix_length) const {
  const int64_t context = model_->shape().max_positions;
  const int64_t budget = context - prefix_length - max_new_tokens_;
  // Two tokens: a BOS and one of the question.
  if (budget < 2)
    throw Error("eval.max_new_tokens = " + std::to_string(max_new_tokens_) +
                (prefix_length ? " and a prefix of " + std::to_string(prefix_length) + " positions leave"
                               : std::string(" leaves")) +
                " no room for a question in the model's context of " + std::to_string(context) + " tokens");
  return size_t(budget);
}

std::vector<int64_t> GreedyAnswerer::prompt(const data::Question& question, int64_t prefix_length) const {
  return tokenizer_->keep_last(tokenizer_->encode_for_model(question.text), prompt_budget(prefix_length));
}

std::vector<std::string> GreedyAnswerer::answer(const std::vector<data::Question>& questions,
                                                const models::Prefix* prefix) const {
  if (questions.empty()) return {};
  generation::GenerationOptions options;
  options.max_new_tokens = max_new_tokens_;
  generation::use_special_tokens(options, tokenizer_->special());

  std::vector<std::vector<int64_t>> prompts;
  size_t longest = 0;
  for (const auto& q : questions) {
    prompts.push_back(prompt(q, prefix ? prefix->length() : 0));
    longest = std::max(longest, prompts.back().size());
  }
  const auto rows = static_cast<int64_t>(prompts.size()), width = static_cast<int64_t>(longest);
  auto ids = torch::full({rows, width}, options.pad_id, torch::kLong);
  auto mask = torch::zeros({rows, width}, torch::kLong);
  for (int64_t r = 0; r < rows; ++r) {
    const auto& p = prompts[r];
    const auto n = static_cast<int64_t>(p.size());
    ids[r].slice(0, width - n).copy_(torch::tensor(p, torch::kLong));
    mask[r].slice(0, width - n).fill_(1);
  }
  const auto device = model_->parameters().front().device();
  model_->eval();
  const auto out = generation::greedy_search(*model_, {ids.to(device), mask.to(device), prefix}, options).cpu().contiguous();

  std::vector<std::string> answers;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row = out[r].data_ptr<int64_t>();
    answers.push_back(answer_from_continuation(tokenizer_->decode_continuation(prompts[size_t(r)], {row, row + out.size(1)})));
  }
  return answers;
}

std::string answer_from_continuation(const std::string& continuation) {
  std::string s = continuation.substr(0, continuation.find('\n'));
  const char* space = " \t\r\f\v";
  const auto first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

}  // namespace amem::eval
