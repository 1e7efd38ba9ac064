// The memory of amortized contexts: one modulation [num_virtual_tokens, d] per document seen,
// in stream order. MAC appends to it as documents arrive (one forward of the amortization
// network each, no gradient) and aggregates it per question.
//
// An entry is identified by its content key (methods/mac/mac_memory.h: a hash of the tokens
// the amortizer read and of what shaped them), never by the dataset's document id: ids such as
// StreamingQA's CSV line numbers name other texts in another file, and a bank keyed by them
// answered from unrelated memories. The dataset id is kept beside the key as metadata.
//
// A bank saved to disk is one .safetensors file (written atomically) holding
//   "modulations"   [N, T, d], in the dtype they were computed in
// and metadata:
//   format          "amem.memory_bank"
//   version         "2"; files of other versions are refused (version 1 keyed entries by id)
//   content_keys    JSON array of the N content keys
//   document_ids    JSON array of the N dataset ids
//   producer        the caller's description of what made the modulations (the MAC
//                   checkpoint); a bank made by another amortizer is refused
//   checksum        io::ContentHash (hex) of every other field and of the tensor: a file
//                   altered after writing (a modulation, a key, an id, the producer) is refused
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace amem::memory {

class MemoryBank {
 public:
  MemoryBank() = default;

  // Appends one document's modulation [T, d] (stored detached) under its content key, with
  // the dataset's id as metadata. Every entry has the shape and dtype of the first, and a
  // content key is stored once; amem::Error otherwise.
  void append(const std::string& content_key, const std::string& document_id, const torch::Tensor& modulation);

  int64_t size() const { return int64_t(keys_.size()); }
  bool empty() const { return keys_.empty(); }
  const std::vector<std::string>& content_keys() const { return keys_; }
  const std::vector<std::string>& document_ids() const { return ids_; }
  bool contains(const std::string& content_key) const;
  // All entries, [N, T, d] (undefined while empty).
  torch::Tensor modulations() const;
  // Bytes one document adds to the bank (T × d × element size).
  int64_t bytes_per_document() const;

  void save(const std::string& path, const std::string& producer) const;
  // Loads onto `device`, converted to `dtype` (default: as stored). Throws amem::Error naming
  // the file for a wrong format, version, checksum, shape, key or id list, and when `producer`
  // differs from the file's (an empty `producer` accepts any).
  static MemoryBank load(const std::string& path, const std::string& producer = "",
                         torch::Device device = torch::kCPU, std::optional<torch::ScalarType> dtype = {});

  // What a bank file holds, read from its header alone (`amem memory info`).
  struct Info {
    std::string producer, dtype;
    int64_t documents = 0, tokens = 0, width = 0;
    int64_t bytes_per_document = 0;
  };
  static Info inspect(const std::string& path);

 private:
  std::vector<std::string> keys_, ids_;
  std::unordered_map<std::string, int64_t> index_;  // content key -> position
  std::vector<torch::Tensor> entries_;
  mutable torch::Tensor stacked_;  // modulations(), rebuilt after an append
};

}  // namespace amem::memory
