// A calibration row, not a method: the frozen base LM answers each question with the question's
// own (gold) document written before it in the prompt, "<document>\n\n<question>". It shows how
// much a document can tell this LM when nothing has to be stored or compressed, an upper bound
// for what a memory of documents can convey to it (issue 15's table). Documents are kept as
// text; nothing is trained.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "amem/eval/adapter.h"
#include "amem/eval/greedy_answerer.h"

namespace amem::methods {

class GoldDocument : public eval::Adapter {
 public:
  explicit GoldDocument(eval::GreedyAnswerer answerer) : answerer_(std::move(answerer)) {}

  std::string name() const override { return "gold_document"; }
  // Remembers the document of each of its questions (by question id). amem::Error when a
  // question id comes back with another document: the prompt would be ambiguous.
  void absorb(const data::Document& document) override;
  // Answers "<document>\n\n<question>"; a prompt longer than the context loses its start
  // (GreedyAnswerer), and a warning counts such prompts. amem::Error for a question whose
  // document was not absorbed.
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override;
  const text::Tokenizer& answer_tokenizer() const override { return answerer_.tokenizer(); }

 private:
  eval::GreedyAnswerer answerer_;
  std::unordered_map<std::string, std::string> document_of_;  // question id -> document text
};

}  // namespace amem::methods
