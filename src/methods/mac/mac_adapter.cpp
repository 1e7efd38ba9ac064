#include "amem/methods/mac/mac_adapter.h"

#include "amem/core/error.h"
#include "amem/methods/mac/mac_memory.h"

namespace amem::methods {

MacAdapter::MacAdapter(std::shared_ptr<MacModel> mac, eval::GreedyAnswerer answerer,
                       const memory::MemorySettings& memory, eval::BankEntries entries)
    : owned_(std::move(mac)),
      mac_(*owned_),
      keys_(mac_),
      answerer_(std::move(answerer)),
      window_(memory.window),
      producer_(memory.load || memory.save ? bank_producer(mac_) : ""),
      bank_(start_bank(mac_, memory.load, producer_, memory.dtype)),
      loaded_(bank_.size()),
      save_(memory.save),
      entries_(entries),
      batch_size_(memory.batch_size),
      batching_(memory.eval_pads_batches ? AmortizeBatching::padded : AmortizeBatching::same_length),
      dtype_(memory.dtype),
      bf16_autocast_(memory.bf16_autocast) {}

void MacAdapter::absorb(const data::Document& document) {
  // per_row: the document once per question row, as the reference's bank holds every row of the
  // test file; the repeats are keyed as recurring texts (DocumentKeys), so a saved bank reloads.
  const size_t copies = entries_ == eval::BankEntries::per_row ? document.questions.size() : 1;
  held_.insert(held_.end(), copies, document);
  if (int64_t(held_.size()) >= batch_size_) amortize_held();
}

void MacAdapter::amortize_held() {
  if (held_.empty()) return;
  // Taken out first: after an error the held documents are not amortized again.
  const auto held = std::move(held_);
  held_.clear();
  std::vector<const data::Document*> documents;
  for (const auto& document : held) documents.push_back(&document);
  amortizer_forwards_ += amortize_into(mac_, keys_, bank_, documents, batching_, dtype_, bf16_autocast_).forwards;
}

std::vector<std::string> MacAdapter::answer(const std::vector<data::Question>& questions) {
  amortize_held();  // documents absorbed so far are part of the memory questions read
  if (bank_.empty()) throw Error("mac: questions asked of an empty memory bank (no document was absorbed)");
  torch::NoGradGuard no_grad;
  std::vector<std::string> texts;
  for (const auto& q : questions) texts.push_back(q.text);
  // The aggregation network reads the bank in its own precision (memory.dtype may be narrower).
  const auto dtype = mac_.networks()->aggregator->parameters().front().scalar_type();
  const auto prefix = mac_.to_prefix(mac_.aggregate(texts, bank_.modulations().to(dtype), window_));
  return answerer_.answer(questions, &prefix, mac_.settings().cmt.inference_alpha.value_or(0.0));
}

std::optional<eval::StoredMemory> MacAdapter::stored_memory() const {
  return eval::StoredMemory{bank_.size(), loaded_, bank_.bytes_per_document()};
}

void MacAdapter::save(const std::filesystem::path& run_dir) const {
  if (save_ && !bank_.empty()) bank_.save((run_dir / memory::kBankFile).string(), producer_);
}

}  // namespace amem::methods
