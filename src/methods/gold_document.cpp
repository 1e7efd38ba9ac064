#include "amem/methods/gold_document.h"

#include "amem/core/error.h"

namespace amem::methods {

void GoldDocument::absorb(const data::Document& document) {
  for (const auto& question : document.questions) {
    const auto [it, inserted] = document_of_.emplace(question.id, document.text);
    if (!inserted && it->second != document.text)
      throw Error("gold_document: question id '" + question.id + "' belongs to two documents ('" + document.id +
                  "' and an earlier one); ids must be unique in the stream");
  }
}

std::vector<std::string> GoldDocument::answer(const std::vector<data::Question>& questions) {
  std::vector<data::Question> prompted = questions;
  for (auto& question : prompted) {
    const auto it = document_of_.find(question.id);
    if (it == document_of_.end())
      throw Error("gold_document: question '" + question.id + "' was asked before its document was absorbed");
    question.text = it->second + "\n\n" + question.text;
  }
  return answerer_.answer(prompted);
}

}  // namespace amem::methods
