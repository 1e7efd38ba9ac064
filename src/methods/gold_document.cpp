#include "amem/methods/gold_document.h"

#include <spdlog/spdlog.h>

#include "amem/core/error.h"
#include "amem/text/tokenizer.h"

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
  // A prompt longer than the context loses its first tokens, i.e. its document's start: the
  // row is then no longer "the whole document", which the log must say.
  size_t cut = 0;
  for (const auto& question : prompted)
    if (answerer_.prompt(question).size() < answerer_.tokenizer().encode_for_model(question.text).size()) ++cut;
  if (cut > 0)
    spdlog::warn("gold_document: {} of {} prompts were longer than the model's context and lost their document's "
                 "first tokens", cut, prompted.size());
  return answerer_.answer(prompted);
}

}  // namespace amem::methods
