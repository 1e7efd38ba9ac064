#include "amem/methods/mac/mac_memory.h"

#include "amem/io/content_hash.h"

namespace amem::methods {

std::string bank_producer(MacModel& mac) {
  io::ContentHash hash;
  for (const auto& p : mac.networks()->amortizer->named_parameters()) hash.update(p.key()).update(p.value());
  const int64_t cut = mac.settings().max_document_tokens;
  hash.update(&cut, sizeof cut);
  return "MAC amortizer " + hash.hex();
}

memory::MemoryBank start_bank(MacModel& mac, const std::optional<std::string>& load, const std::string& producer) {
  if (!load) return {};
  return memory::MemoryBank::load(*load, producer, mac.device());
}

int64_t amortize_into(MacModel& mac, memory::MemoryBank& bank, const std::vector<const data::Document*>& documents) {
  std::vector<const data::Document*> missing;
  for (const auto* document : documents)
    if (!bank.contains(document->id)) missing.push_back(document);
  if (missing.empty()) return 0;
  std::vector<std::string> texts;
  for (const auto* document : missing) texts.push_back(document->text);
  torch::NoGradGuard no_grad;
  const auto modulations = mac.amortize(texts);
  for (size_t i = 0; i < missing.size(); ++i) bank.append(missing[i]->id, modulations[int64_t(i)]);
  return int64_t(missing.size());
}

}  // namespace amem::methods
