// MAC in the online evaluation: each streamed document is amortized into the memory bank as it
// arrives (one forward, no gradient; once, or once per question with eval.bank_entries: per_row), then every question aggregates the whole bank
// (hierarchically with a window) into the prefix under which the frozen base LM answers.
//
// Under `amem eval` the memory section applies (memory/memory_settings.h): the bank may start
// from a saved one (documents whose content it holds are not amortized again) and is saved into the run
// folder, so a later run can answer from it without reading the documents. Streamed documents
// are amortized in micro-batches: up to memory.batch_size are held, then each group of equal
// token count gets one forward (AmortizeBatching::same_length; memory.eval_batching=padded: all
// held documents in one padded forward); anything that reads the bank
// (answer, finish_stream) amortizes what is held first. The bank stores memory.dtype.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/eval/adapter.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/memory/memory_bank.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_memory.h"
#include "amem/methods/mac/mac_model.h"

namespace amem::methods {

class MacAdapter : public eval::Adapter {
 public:
  // An empty bank that is never saved (validation while training). `mac` must outlive the adapter.
  MacAdapter(MacModel& mac, eval::GreedyAnswerer answerer, std::optional<int64_t> window)
      : mac_(mac), keys_(mac), answerer_(std::move(answerer)), window_(window) {}
  // Owning `mac` (amem eval builds the model for the adapter alone), as `memory` says: its
  // window, the bank to start from (loaded here), and whether save() writes the bank; `entries`:
  // how many bank entries a document makes (eval.bank_entries).
  MacAdapter(std::shared_ptr<MacModel> mac, eval::GreedyAnswerer answerer, const memory::MemorySettings& memory,
             eval::BankEntries entries = eval::BankEntries::per_document);

  std::string name() const override { return window_ ? "mac-window-" + std::to_string(*window_) : "mac"; }
  void absorb(const data::Document& document) override;
  void finish_stream() override { amortize_held(); }
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override;
  const text::Tokenizer& answer_tokenizer() const override { return answerer_.tokenizer(); }
  std::optional<eval::StoredMemory> stored_memory() const override;
  void save(const std::filesystem::path& run_dir) const override;

  // The bank, with every document absorbed so far amortized into it. stored_memory() and
  // save() describe the bank as it stands: the harness calls them after finish_stream().
  const memory::MemoryBank& bank() {
    amortize_held();
    return bank_;
  }
  // Amortizer forwards run so far (memory.batch_size and memory.eval_batching decide how many
  // documents share one).
  int64_t amortizer_forwards() const { return amortizer_forwards_; }

 private:
  void amortize_held();

  std::shared_ptr<MacModel> owned_;
  MacModel& mac_;
  DocumentKeys keys_;  // what the bank's entries are keyed by
  eval::GreedyAnswerer answerer_;
  std::optional<int64_t> window_;
  std::string producer_;  // bank_producer(), computed once when the bank is loaded or saved
  memory::MemoryBank bank_;
  int64_t loaded_ = 0;  // entries that came from memory.load
  bool save_ = false;
  eval::BankEntries entries_ = eval::BankEntries::per_document;
  int64_t batch_size_ = 1;                        // memory.batch_size
  AmortizeBatching batching_ = AmortizeBatching::same_length;  // memory.eval_batching
  torch::ScalarType dtype_ = torch::kFloat32;     // memory.dtype
  bool bf16_autocast_ = false;                    // memory.bf16_autocast
  std::vector<data::Document> held_;              // absorbed, not amortized yet (bank entries each)
  int64_t amortizer_forwards_ = 0;
};

}  // namespace amem::methods
