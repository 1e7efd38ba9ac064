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
      bank_(start_bank(mac_, memory.load, producer_)),
      loaded_(bank_.size()),
      save_(memory.save),
      entries_(entries) {}

void MacAdapter::absorb(const data::Document& document) {
  // per_row: the document once per question row, as the reference's bank holds every row of the
  // test file; the repeats are keyed as recurring texts (DocumentKeys), so a saved bank reloads.
  const size_t copies = entries_ == eval::BankEntries::per_row ? document.questions.size() : 1;
  amortize_into(mac_, keys_, bank_, std::vector<const data::Document*>(copies, &document));
}

std::vector<std::string> MacAdapter::answer(const std::vector<data::Question>& questions) {
  if (bank_.empty()) throw Error("mac: questions asked of an empty memory bank (no document was absorbed)");
  torch::NoGradGuard no_grad;
  std::vector<std::string> texts;
  for (const auto& q : questions) texts.push_back(q.text);
  const auto prefix = mac_.to_prefix(mac_.aggregate(texts, bank_.modulations(), window_));
  return answerer_.answer(questions, &prefix, mac_.settings().cmt.inference_alpha.value_or(0.0));
}

std::optional<eval::StoredMemory> MacAdapter::stored_memory() const {
  return eval::StoredMemory{bank_.size(), loaded_, bank_.bytes_per_document()};
}

void MacAdapter::save(const std::filesystem::path& run_dir) const {
  if (save_ && !bank_.empty()) bank_.save((run_dir / memory::kBankFile).string(), producer_);
}

}  // namespace amem::methods
