#include "amem/methods/mac/mac_memory.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "amem/core/error.h"
#include "amem/device/autocast.h"
#include "amem/text/tokenizer.h"

namespace amem::methods {

std::string bank_producer(MacModel& mac) {
  io::ContentHash hash;
  for (const auto& p : mac.networks()->amortizer->named_parameters()) hash.update(p.key()).update(p.value());
  const int64_t cut = mac.settings().max_document_tokens;
  hash.update(&cut, sizeof cut);
  // Padding the decoder reads changes every modulation; the default (masked) keeps old stamps.
  if (!mac.settings().decoder_masks_padding) {
    const int64_t padded = mac.settings().pad_documents_to;
    hash.update("decoder reads padding").update(&padded, sizeof padded);
  }
  return "MAC amortizer " + hash.hex();
}

DocumentKeys::DocumentKeys(const MacModel& mac) : mac_(mac) {
  // The files load_tokenizer may read (config.json gives special ids): name and bytes of each
  // that exists, so another vocabulary or special-token setting makes other keys.
  const std::filesystem::path dir = mac.settings().amortizer;
  auto names = text::tokenizer_file_names();
  names.push_back("config.json");
  for (const auto& name : names) {
    std::ifstream in(dir / name, std::ios::binary);
    if (!in) continue;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error((dir / name).string() + ": cannot be read");
    basis_.update(name).update(bytes);
  }
  const int64_t cut = mac.settings().max_document_tokens;
  basis_.update(&cut, sizeof cut);
}

std::string DocumentKeys::next(const std::string& text) {
  io::ContentHash hash = basis_;
  const auto key = hash.update(mac_.document_tokens({text}).ids).hex();
  const int64_t occurrence = ++occurrences_[key];
  return occurrence == 1 ? key : key + "#" + std::to_string(occurrence);
}

memory::MemoryBank start_bank(MacModel& mac, const std::optional<std::string>& load, const std::string& producer,
                              torch::ScalarType dtype) {
  if (!load) return {};
  return memory::MemoryBank::load(*load, producer, mac.device(), dtype);
}

std::vector<std::vector<size_t>> same_length_groups(const std::vector<int64_t>& token_counts) {
  std::vector<std::vector<size_t>> groups;
  std::map<int64_t, size_t> group_of_length;
  for (size_t i = 0; i < token_counts.size(); ++i) {
    const auto [it, added] = group_of_length.emplace(token_counts[i], groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

Amortized amortize_into(MacModel& mac, DocumentKeys& keys, memory::MemoryBank& bank,
                        const std::vector<const data::Document*>& documents, AmortizeBatching batching,
                        torch::ScalarType dtype, bool bf16_autocast) {
  std::vector<const data::Document*> missing;
  std::vector<std::string> missing_keys;
  for (const auto* document : documents) {
    auto key = keys.next(document->text);
    if (bank.contains(key)) continue;
    missing.push_back(document);
    missing_keys.push_back(std::move(key));
  }
  if (missing.empty()) return {};
  torch::NoGradGuard no_grad;
  // Padding that the decoder reads is part of the modulation: only a fixed length makes it the
  // same in every batch.
  const auto& settings = mac.settings();
  if (!settings.decoder_masks_padding && settings.pad_documents_to == 0) batching = AmortizeBatching::same_length;
  std::vector<torch::Tensor> rows(missing.size());
  // Each group of documents that share a forward, in stream order of their first member.
  std::vector<std::vector<size_t>> groups;
  if (batching == AmortizeBatching::padded) {
    groups.emplace_back();
    for (size_t i = 0; i < missing.size(); ++i) groups.back().push_back(i);
  } else {
    std::vector<int64_t> token_counts;
    for (const auto* document : missing) token_counts.push_back(mac.document_tokens({document->text}).ids.size(1));
    groups = same_length_groups(token_counts);
  }
  for (const auto& group : groups) {
    std::vector<std::string> texts;
    for (const size_t i : group) texts.push_back(missing[i]->text);
    device::Bf16Autocast autocast(bf16_autocast, mac.device());
    const auto out = mac.amortize(texts);
    for (size_t k = 0; k < group.size(); ++k) rows[group[k]] = out[int64_t(k)];
  }
  const auto modulations = torch::stack(rows).to(dtype);
  // One reduction and one host sync for the batch: a NaN or Inf modulation would otherwise sit
  // in the bank and poison every answer that aggregates it.
  const auto finite = torch::isfinite(modulations).flatten(1).all(1).cpu();
  for (size_t i = 0; i < missing.size(); ++i)
    if (!finite[int64_t(i)].item<bool>())
      throw Error("document '" + missing[i]->id + "': its amortized modulation is not finite (NaN or Inf)");
  for (size_t i = 0; i < missing.size(); ++i) bank.append(missing_keys[i], missing[i]->id, modulations[int64_t(i)]);
  return {int64_t(missing.size()), int64_t(groups.size())};
}

}  // namespace amem::methods
