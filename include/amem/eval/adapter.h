// What the online evaluation judges: a model that takes in a stream of documents, one at a
// time and in order, and is then asked questions about them. Baselines (methods/) and the
// memory methods implement it; the harness (online_eval.h) only sees this interface.
#pragma once

#include <string>
#include <vector>

#include "amem/data/qa_document.h"

namespace amem::eval {

class Adapter {
 public:
  virtual ~Adapter() = default;

  // Short name recorded in results.json ("none", "uniform", ...).
  virtual std::string name() const = 0;

  // Takes in one document; called once per document, in stream order, before any answer().
  virtual void absorb(const data::Document& document) = 0;

  // Called once after the last absorb() and before the first answer(): a last step on the
  // stream as a whole (the fine-tuning baselines' QA light-tune). Nothing by default.
  virtual void finish_stream() {}

  // One prediction per question, in order. The harness batches the questions.
  virtual std::vector<std::string> answer(const std::vector<data::Question>& questions) = 0;
};

}  // namespace amem::eval
