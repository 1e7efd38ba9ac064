// The lower baseline: the frozen base LM answers without having seen the documents.
#pragma once

#include <memory>

#include "amem/eval/adapter.h"
#include "amem/eval/greedy_answerer.h"

namespace amem::methods {

class NoAdaptation : public eval::Adapter {
 public:
  explicit NoAdaptation(eval::GreedyAnswerer answerer) : answerer_(std::move(answerer)) {}

  std::string name() const override { return "none"; }
  void absorb(const data::Document&) override {}
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override {
    return answerer_.answer(questions);
  }
  const text::Tokenizer& answer_tokenizer() const override { return answerer_.tokenizer(); }

 private:
  eval::GreedyAnswerer answerer_;
};

}  // namespace amem::methods
