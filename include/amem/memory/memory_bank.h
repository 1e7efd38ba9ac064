// The memory of amortized contexts: one modulation [num_virtual_tokens, d] per document seen,
// in stream order, with the document's id. MAC appends to it as documents arrive (one forward
// of the amortization network each, no gradient) and aggregates it per question.
//
// A bank saved to disk is one .safetensors file (written atomically) holding
//   "modulations"   [N, T, d], in the dtype they were computed in
// and metadata:
//   format          "amem.memory_bank"
//   version         "1"; files of other versions are refused
//   document_ids    JSON array of the N ids
//   checksum        io::ContentHash of the tensor (hex): a file altered after writing is
//                   refused on load
//   producer        the caller's description of what made the modulations (the MAC
//                   checkpoint); a bank made by another amortizer is refused
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace amem::memory {

class MemoryBank {
 public:
  MemoryBank() = default;

  // Appends one document's modulation [T, d] (stored detached). Every entry has the shape of
  // the first, and a document is stored once; amem::Error otherwise.
  void append(const std::string& document_id, const torch::Tensor& modulation);

  int64_t size() const { return int64_t(ids_.size()); }
  bool empty() const { return ids_.empty(); }
  const std::vector<std::string>& document_ids() const { return ids_; }
  bool contains(const std::string& document_id) const;
  // All entries, [N, T, d] (undefined while empty).
  torch::Tensor modulations() const;
  // Bytes one document adds to the bank (T × d × element size).
  int64_t bytes_per_document() const;

  void save(const std::string& path, const std::string& producer) const;
  // Loads onto `device`. Throws amem::Error naming the file for a wrong format, version,
  // checksum or shape, and when `producer` differs from the file's (an empty `producer`
  // accepts any).
  static MemoryBank load(const std::string& path, const std::string& producer = "",
                         torch::Device device = torch::kCPU);

  // What a bank file holds, read from its header alone (`amem memory info`).
  struct Info {
    std::string producer, dtype;
    int64_t documents = 0, tokens = 0, width = 0;
    int64_t bytes_per_document = 0;
  };
  static Info inspect(const std::string& path);

 private:
  std::vector<std::string> ids_;
  std::unordered_map<std::string, int64_t> index_;  // id -> position
  std::vector<torch::Tensor> entries_;
  mutable torch::Tensor stacked_;  // modulations(), rebuilt after an append
};

}  // namespace amem::memory
