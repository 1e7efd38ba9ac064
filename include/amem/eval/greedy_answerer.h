// Answering questions with a causal LM as MAC and CaMeLS do: the prompt is the question's
// tokens alone (with the checkpoint's BOS convention), the answer is greedy decoding cut at
// the first newline. Adapters that answer with a plain LM share this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"

namespace amem::models {
class CausalLm;
struct Prefix;
}
namespace amem::text {
class Tokenizer;
}

namespace amem::eval {

class GreedyAnswerer {
 public:
  GreedyAnswerer(std::shared_ptr<models::CausalLm> model, std::shared_ptr<const text::Tokenizer> tokenizer,
                 int64_t max_new_tokens);

  // The questions are decoded together as one left-padded batch. With a prefix (one row per
  // question: the memory methods' modulation), every question is answered under its row.
  std::vector<std::string> answer(const std::vector<data::Question>& questions,
                                  const models::Prefix* prefix = nullptr) const;

 private:
  std::shared_ptr<models::CausalLm> model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  int64_t max_new_tokens_;
};

// The decoded continuation up to its first newline, without surrounding whitespace.
std::string answer_from_continuation(const std::string& continuation);

}  // namespace amem::eval
