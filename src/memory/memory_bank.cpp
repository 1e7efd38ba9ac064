#include "amem/memory/memory_bank.h"

#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "amem/io/content_hash.h"
#include "amem/io/safetensors.h"

namespace amem::memory {

namespace {

constexpr const char* kFormat = "amem.memory_bank";
constexpr const char* kVersion = "1";

std::string checksum_of(const torch::Tensor& modulations) { return io::ContentHash().update(modulations).hex(); }

std::string metadata_field(const io::SafetensorsFile& file, const std::string& key) {
  const auto& metadata = file.metadata();
  const auto it = metadata.find(key);
  if (it == metadata.end()) throw Error(file.path() + ": not a memory bank (no '" + key + "' in its metadata)");
  return it->second;
}

// Opens `path` and checks what every reader relies on: format, version, the tensor's shape.
std::shared_ptr<io::SafetensorsFile> open_bank(const std::string& path) {
  auto file = io::SafetensorsFile::open(path);
  if (metadata_field(*file, "format") != kFormat)
    throw Error(path + ": format '" + metadata_field(*file, "format") + "', expected '" + kFormat + "'");
  if (metadata_field(*file, "version") != kVersion)
    throw Error(path + ": memory bank version " + metadata_field(*file, "version") + ", this amem reads version " +
                kVersion);
  if (!file->contains("modulations") || file->entry("modulations").shape.size() != 3)
    throw Error(path + ": expected a tensor 'modulations' of shape [documents, tokens, width]");
  return file;
}

}  // namespace

void MemoryBank::append(const std::string& document_id, const torch::Tensor& modulation) {
  if (modulation.dim() != 2)
    throw Error("memory bank: a modulation has shape [tokens, width], got " + std::to_string(modulation.dim()) +
                " dimensions");
  if (!entries_.empty() && modulation.sizes() != entries_.front().sizes())
    throw Error("memory bank: document '" + document_id + "' has a modulation of another shape than the bank's");
  if (!index_.emplace(document_id, size()).second)
    throw Error("memory bank: document '" + document_id + "' is in the bank already");
  ids_.push_back(document_id);
  entries_.push_back(modulation.detach());
  stacked_ = torch::Tensor();
}

bool MemoryBank::contains(const std::string& document_id) const { return index_.count(document_id) > 0; }

torch::Tensor MemoryBank::modulations() const {
  if (!stacked_.defined() && !entries_.empty()) stacked_ = torch::stack(entries_);
  return stacked_;
}

int64_t MemoryBank::bytes_per_document() const {
  return entries_.empty() ? 0 : entries_.front().numel() * int64_t(entries_.front().element_size());
}

void MemoryBank::save(const std::string& path, const std::string& producer) const {
  if (empty()) throw Error(path + ": refusing to save an empty memory bank");
  const auto tensor = modulations().cpu().contiguous();
  io::save_safetensors(path, {{"modulations", tensor}},
                       {{"format", kFormat},
                        {"version", kVersion},
                        {"document_ids", nlohmann::json(ids_).dump()},
                        {"checksum", checksum_of(tensor)},
                        {"producer", producer}});
}

MemoryBank MemoryBank::load(const std::string& path, const std::string& producer, torch::Device device) {
  const auto file = open_bank(path);
  const auto stored_producer = metadata_field(*file, "producer");
  if (!producer.empty() && stored_producer != producer)
    throw Error(path + ": made by '" + stored_producer + "', but this run's amortizer is '" + producer + "'");
  const auto tensor = file->load("modulations");
  if (checksum_of(tensor) != metadata_field(*file, "checksum"))
    throw Error(path + ": checksum mismatch: the modulations were changed after the bank was written");
  nlohmann::json ids;
  try {
    ids = nlohmann::json::parse(metadata_field(*file, "document_ids"));
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": document_ids: expected a JSON array of strings");
  }
  if (!ids.is_array() || int64_t(ids.size()) != tensor.size(0))
    throw Error(path + ": document_ids: expected " + std::to_string(tensor.size(0)) + " ids, one per modulation");
  MemoryBank bank;
  const auto on_device = tensor.to(device);
  for (int64_t i = 0; i < tensor.size(0); ++i) {
    if (!ids[size_t(i)].is_string()) throw Error(path + ": document_ids: expected strings");
    try {
      bank.append(ids[size_t(i)].get<std::string>(), on_device[i]);
    } catch (const Error& e) {
      throw Error(path + ": " + e.what());
    }
  }
  return bank;
}

MemoryBank::Info MemoryBank::inspect(const std::string& path) {
  const auto file = open_bank(path);
  const auto& entry = file->entry("modulations");
  Info info;
  info.producer = metadata_field(*file, "producer");
  info.dtype = std::string(c10::toString(entry.dtype));
  info.documents = entry.shape[0];
  info.tokens = entry.shape[1];
  info.width = entry.shape[2];
  info.bytes_per_document = info.documents ? int64_t(entry.end - entry.begin) / info.documents : 0;
  return info;
}

}  // namespace amem::memory
