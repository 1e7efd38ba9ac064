// What the online evaluation judges: a model that takes in a stream of documents, one at a
// time and in order, and is then asked questions about them. Baselines (methods/) and the
// memory methods implement it; the harness (online_eval.h) only sees this interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"

namespace amem::text {
class Tokenizer;
}

namespace amem::eval {

// What an adapter stores per document besides the base LM (MAC: its memory bank).
struct StoredMemory {
  int64_t documents = 0;           // entries held, including ones loaded from a file
  int64_t loaded = 0;              // of which came from a saved bank rather than this stream
  int64_t bytes_per_document = 0;

  int64_t bytes() const { return documents * bytes_per_document; }
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // Short name recorded in results.json ("none", "uniform", ...).
  virtual std::string name() const = 0;

  // Takes in one document; called once per document, in stream order, before any answer().
  virtual void absorb(const data::Document& document) = 0;

  // Called once after the last absorb() and before the final answers: a last step on the
  // stream as a whole (the fine-tuning baselines' QA light-tune). Nothing by default.
  virtual void finish_stream() {}

  // One prediction per question, in order. The harness batches the questions. With a retention
  // curve (stream_protocols.h) it is also called between absorb() calls, before finish_stream(),
  // for questions of documents already absorbed: it answers from the adapter as it stands and
  // must leave it as it was (no state, no random draws), so that the curve changes no result.
  virtual std::vector<std::string> answer(const std::vector<data::Question>& questions) = 0;

  // The tokenizer of the LM that writes the answers: the reference metrics cut and decode each
  // question's gold with it, as MAC and CaMeLS do with their base LM's (reference_protocol.h).
  virtual const text::Tokenizer& answer_tokenizer() const = 0;

  // The per-document store, for results.json; none for adapters that change weights instead.
  virtual std::optional<StoredMemory> stored_memory() const { return std::nullopt; }

  // Writes what the adapter built from the stream into the run folder, if it keeps anything
  // worth reloading (MAC: memory_bank.safetensors). Nothing by default.
  virtual void save(const std::filesystem::path& run_dir) const { (void)run_dir; }
};

}  // namespace amem::eval
