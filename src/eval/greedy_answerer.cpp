#include "amem/eval/greedy_answerer.h"

#include <algorithm>
#include <stdexcept>

#include "amem/core/error.h"
#include "amem/generation/generate.h"
#include "amem/generation/group_beam_search.h"
#include "amem/eval/reference_protocol.h"
#include "amem/models/causal_lm.h"
#include "amem/text/tokenizer.h"

namespace amem::eval {

GreedyAnswerer::GreedyAnswerer(std::shared_ptr<models::CausalLm> model,
                               std::shared_ptr<const text::Tokenizer> tokenizer, AnswerOptions options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(options) {
  if (options_.prompt_max_tokens && *options_.prompt_max_tokens < 1)
    throw Error("eval.prompt_max_tokens = " + std::to_string(*options_.prompt_max_tokens) + " keeps no prompt token");
  prompt_budget(0);
}

size_t GreedyAnswerer::prompt_budget(int64_t prefix_length) const {
  const int64_t context = model_->shape().max_positions;
  const int64_t budget = context - prefix_length - options_.max_new_tokens;
  // Two tokens: a BOS and one of the question.
  if (budget < 2)
    throw Error("eval.max_new_tokens = " + std::to_string(options_.max_new_tokens) +
                (prefix_length ? " and a prefix of " + std::to_string(prefix_length) + " positions leave"
                               : std::string(" leaves")) +
                " no room for a question in the model's context of " + std::to_string(context) + " tokens");
  return size_t(budget);
}

std::vector<int64_t> GreedyAnswerer::prompt(const data::Question& question, int64_t prefix_length) const {
  std::vector<int64_t> ids = tokenizer_->encode_for_model(question.text);
  // The reference's plain slice (M:evals/qa_utils.py:86-88): a leading BOS is not kept apart.
  if (options_.prompt_max_tokens && ids.size() > size_t(*options_.prompt_max_tokens))
    ids.erase(ids.begin(), ids.end() - *options_.prompt_max_tokens);
  return tokenizer_->keep_last(std::move(ids), prompt_budget(prefix_length));
}

std::string GreedyAnswerer::prediction(const std::vector<int64_t>& prompt, const std::vector<int64_t>& generated) const {
  switch (options_.prediction_text) {
    case PredictionText::continuation:
      return answer_from_continuation(tokenizer_->decode_continuation(prompt, generated));
    case PredictionText::reference:
      return reference_prediction(*tokenizer_, prompt, generated);
  }
  throw std::logic_error("GreedyAnswerer: unknown PredictionText");
}

std::vector<std::string> GreedyAnswerer::answer(const std::vector<data::Question>& questions,
                                                const models::Prefix* prefix, double contrast_alpha) const {
  if (questions.empty()) return {};
  generation::GenerationOptions options;
  options.max_new_tokens = options_.max_new_tokens;
  generation::use_special_tokens(options, tokenizer_->special());
  if (options_.decoding == Decoding::group_beam) return answer_one_by_one(questions, prefix, contrast_alpha, options);

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
  const auto out = generation::greedy_search(*model_, {ids.to(device), mask.to(device), prefix, contrast_alpha}, options).cpu().contiguous();

  std::vector<std::string> answers;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row = out[r].data_ptr<int64_t>();
    answers.push_back(prediction(prompts[size_t(r)], {row, row + out.size(1)}));
  }
  return answers;
}

std::vector<std::string> GreedyAnswerer::answer_one_by_one(const std::vector<data::Question>& questions,
                                                           const models::Prefix* prefix, double contrast_alpha,
                                                           generation::GenerationOptions options) const {
  const auto& beam = options_.group_beam;
  options.num_beams = beam.num_beams;
  options.num_beam_groups = beam.num_beam_groups;
  options.diversity_penalty = beam.diversity_penalty;
  options.length_penalty = beam.length_penalty;
  options.early_stopping = beam.early_stopping;
  const auto device = model_->parameters().front().device();
  model_->eval();
  std::vector<std::string> answers;
  for (size_t r = 0; r < questions.size(); ++r) {
    const auto ids = prompt(questions[r], prefix ? prefix->length() : 0);
    const auto row = torch::tensor(ids, torch::kLong).view({1, -1}).to(device);
    // The question's own prefix row: the reference tiles a one-row prefix over the beams.
    models::Prefix own;
    if (prefix)
      for (size_t l = 0; l < prefix->keys.size(); ++l) {
        own.keys.push_back(prefix->keys[l].narrow(0, int64_t(r), 1));
        own.values.push_back(prefix->values[l].narrow(0, int64_t(r), 1));
      }
    const auto result =
        generation::group_beam_search(*model_, {row, torch::ones_like(row), prefix ? &own : nullptr, contrast_alpha}, options);
    answers.push_back(prediction(ids, result.tokens));
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
