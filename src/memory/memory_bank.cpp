#include "amem/memory/memory_bank.h"

#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "amem/io/content_hash.h"
#include "amem/io/safetensors.h"

namespace amem::memory {

namespace {

constexpr const char* kFormat = "amem.memory_bank";
constexpr const char* kVersion = "2";
// Every metadata field but the checksum, in the order the checksum hashes them.
constexpr const char* kCheckedFields[] = {"format", "version", "producer", "content_keys", "document_ids"};

using Metadata = std::map<std::string, std::string>;

// The checksum of a bank: each checked field's name and value, then the tensor (dtype, shape,
// bytes), so that no stored byte can change unnoticed.
std::string checksum_of(const Metadata& metadata, const torch::Tensor& modulations) {
  io::ContentHash hash;
  for (const char* field : kCheckedFields) hash.update(std::string(field)).update(metadata.at(field));
  return hash.update(modulations).hex();
}

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
  const auto version = metadata_field(*file, "version");
  if (version == "1")
    throw Error(path + ": memory bank version 1 keys documents by dataset id, which another file reuses for other "
                       "texts; this amem reads version " + kVersion + " (keyed by content): rebuild it with amem memory build");
  if (version != kVersion)
    throw Error(path + ": memory bank version " + version + ", this amem reads version " + kVersion);
  if (!file->contains("modulations") || file->entry("modulations").shape.size() != 3)
    throw Error(path + ": expected a tensor 'modulations' of shape [documents, tokens, width]");
  return file;
}

// The JSON array of `count` strings in metadata field `key`.
std::vector<std::string> string_list(const io::SafetensorsFile& file, const std::string& key, int64_t count) {
  nlohmann::json list;
  try {
    list = nlohmann::json::parse(metadata_field(file, key));
  } catch (const nlohmann::json::exception&) {
    throw Error(file.path() + ": " + key + ": expected a JSON array of strings");
  }
  if (!list.is_array() || int64_t(list.size()) != count)
    throw Error(file.path() + ": " + key + ": expected " + std::to_string(count) + " entries, one per modulation");
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string()) throw Error(file.path() + ": " + key + ": expected strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

void MemoryBank::append(const std::string& content_key, const std::string& document_id,
                        const torch::Tensor& modulation) {
  if (modulation.dim() != 2)
    throw Error("memory bank: a modulation has shape [tokens, width], got " + std::to_string(modulation.dim()) +
                " dimensions");
  if (!entries_.empty() && modulation.sizes() != entries_.front().sizes())
    throw Error("memory bank: document '" + document_id + "' has a modulation of another shape than the bank's");
  if (!entries_.empty() && modulation.scalar_type() != entries_.front().scalar_type())
    throw Error("memory bank: document '" + document_id + "' has a modulation in " +
                std::string(c10::toString(modulation.scalar_type())) + ", the bank's are " +
                std::string(c10::toString(entries_.front().scalar_type())));
  if (!index_.emplace(content_key, size()).second)
    throw Error("memory bank: content key " + content_key + " (document '" + document_id + "') is in the bank already");
  keys_.push_back(content_key);
  ids_.push_back(document_id);
  entries_.push_back(modulation.detach());
  stacked_ = torch::Tensor();
}

bool MemoryBank::contains(const std::string& content_key) const { return index_.count(content_key) > 0; }

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
  Metadata metadata = {{"format", kFormat},
                       {"version", kVersion},
                       {"producer", producer},
                       {"content_keys", nlohmann::json(keys_).dump()},
                       {"document_ids", nlohmann::json(ids_).dump()}};
  metadata["checksum"] = checksum_of(metadata, tensor);
  io::save_safetensors(path, {{"modulations", tensor}}, metadata);
}

MemoryBank MemoryBank::load(const std::string& path, const std::string& producer, torch::Device device,
                            std::optional<torch::ScalarType> dtype) {
  const auto file = open_bank(path);
  Metadata checked;
  for (const char* field : kCheckedFields) checked[field] = metadata_field(*file, field);
  const auto tensor = file->load("modulations");
  if (checksum_of(checked, tensor) != metadata_field(*file, "checksum"))
    throw Error(path + ": checksum mismatch: the bank (its modulations, keys, ids or producer) was changed after it "
                       "was written");
  if (!producer.empty() && checked["producer"] != producer)
    throw Error(path + ": made by '" + checked["producer"] + "', but this run's amortizer is '" + producer +
                "' (a bank holds the modulations of the amortizer weights that made it: load it with those "
                "mac.networks, or amortize the documents again)");
  const auto keys = string_list(*file, "content_keys", tensor.size(0));
  const auto ids = string_list(*file, "document_ids", tensor.size(0));
  MemoryBank bank;
  const auto on_device = tensor.to(device, dtype.value_or(tensor.scalar_type()));
  for (int64_t i = 0; i < tensor.size(0); ++i) {
    try {
      bank.append(keys[size_t(i)], ids[size_t(i)], on_device[i]);
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
  // PyTorch's names (torch.float32, torch.bfloat16): what a researcher reads elsewhere, and
  // what memory.dtype's fp32 / bf16 stand for.
  switch (entry.dtype) {
    case torch::kFloat32: info.dtype = "float32"; break;
    case torch::kBFloat16: info.dtype = "bfloat16"; break;
    case torch::kFloat16: info.dtype = "float16"; break;
    default: info.dtype = std::string(c10::toString(entry.dtype));
  }
  info.documents = entry.shape[0];
  info.tokens = entry.shape[1];
  info.width = entry.shape[2];
  info.bytes_per_document = info.documents ? int64_t(entry.end - entry.begin) / info.documents : 0;
  return info;
}

}  // namespace amem::memory
