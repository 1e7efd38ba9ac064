// Answering questions with a causal LM as MAC and CaMeLS do: the prompt is the question's
// tokens alone (with the checkpoint's BOS convention), the answer is decoded as
// AnswerOptions::decoding says (greedy, the name's origin, or the reference's diverse group beam
// search) and read off the generated tokens as AnswerOptions::prediction_text says
// (answer_options.h). Adapters that answer with a plain LM share this.
//
// With AnswerOptions::prompt_max_tokens a longer prompt first keeps its last that-many tokens,
// as the reference does (a BOS may go). Then prefix, prompt and answer must fit the model's
// context: a question longer than the context less the prefix and max_new_tokens loses its
// first tokens (a BOS still in front stays there), since its end is what the answer continues.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/eval/answer_options.h"

namespace amem::models {
class CausalLm;
struct Prefix;
}
namespace amem::generation {
struct GenerationOptions;
}
namespace amem::text {
class Tokenizer;
}

namespace amem::eval {

class GreedyAnswerer {
 public:
  // Throws amem::Error when max_new_tokens leaves no room for a question in the context, or
  // prompt_max_tokens is below 1.
  GreedyAnswerer(std::shared_ptr<models::CausalLm> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                 AnswerOptions options);

  // Greedy: the questions are decoded together as one left-padded batch. Group beam: one
  // question per search, unpadded (the reference's batch of 1). With a prefix (one row per
  // question: the memory methods' modulation), every question is answered under its row, and
  // contrast_alpha > 0 decodes on CMT's memory-aware logits (generation::Prompt::contrast_alpha).
  std::vector<std::string> answer(const std::vector<data::Question>& questions,
                                  const models::Prefix* prefix = nullptr, double contrast_alpha = 0) const;

  // The prompt of one question, answered after `prefix_length` cached positions:
  // encode_for_model, cut as described above. amem::Error when nothing fits.
  std::vector<int64_t> prompt(const data::Question& question, int64_t prefix_length = 0) const;

  // The prediction that `generated` (the new ids, padding after an EOS included) makes after
  // `prompt`, by options.prediction_text.
  std::string prediction(const std::vector<int64_t>& prompt, const std::vector<int64_t>& generated) const;

  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  std::shared_ptr<models::CausalLm> model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  AnswerOptions options_;

  // How many prompt tokens fit after the prefix, with room for the answer (at least 2).
  size_t prompt_budget(int64_t prefix_length) const;
  // Decoding::group_beam: each question alone under its prefix row; `options` carries the
  // length and special tokens.
  std::vector<std::string> answer_one_by_one(const std::vector<data::Question>& questions,
                                             const models::Prefix* prefix, double contrast_alpha,
                                             generation::GenerationOptions options) const;
};

// The decoded continuation up to its first newline, without surrounding whitespace.
std::string answer_from_continuation(const std::string& continuation);

}  // namespace amem::eval
