// Reading and writing Hugging Face `.safetensors` files.
//
// Format: an 8-byte little-endian header length N, then N bytes of JSON mapping each tensor
// name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the end of
// the header), an optional "__metadata__" string map, then the raw little-endian data.
//
// Reads are memory-mapped: opening a multi-GB file touches only its header, and each tensor
// is copied out on demand straight into the requested dtype and device (one copy, no
// intermediate whole-file buffer).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace amem::io {

// Where one tensor lies in a file, as the header describes it (already validated).
struct TensorEntry {
  std::string name;
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;
};

// One memory-mapped .safetensors file. Opening validates the whole header as the reference
// reader (huggingface/safetensors) does: length field, UTF-8, JSON without duplicate keys or
// NUL padding (trailing and leading whitespace are allowed), known dtypes, shapes whose byte
// size equals the offsets, and tensors that tile the data section with no gap, overlap or
// trailing byte. Any violation throws amem::Error naming the file (and the tensor).
class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<TensorEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;
  const TensorEntry& entry(const std::string& name) const;  // throws if absent

  // A new tensor holding a copy of the stored data, converted to `dtype` (default: the stored
  // one) on `device`. Throws amem::Error naming the file and tensor when the conversion is not
  // among F64/F32/F16/BF16 (a stored I32 read as F32, say: a mislabelled tensor), or when a
  // floating-point result holds NaN or infinite values.
  torch::Tensor load(const std::string& name, std::optional<torch::ScalarType> dtype = {},
                     torch::Device device = torch::kCPU) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;  // start of the data section inside the mapping
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<TensorEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint folder as Hugging Face writes it: either `model.safetensors`, or shards listed
// by `model.safetensors.index.json` ({"weight_map": {tensor name: shard file}}). Tensor names
// are looked up across shards; each shard is mapped once.
class SafetensorsCheckpoint {
 public:
  // `path` is a folder (looks for model.safetensors.index.json, then model.safetensors) or a
  // single .safetensors / .index.json file.
  static SafetensorsCheckpoint open(const std::string& path);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  const TensorEntry& entry(const std::string& name) const;
  torch::Tensor load(const std::string& name, std::optional<torch::ScalarType> dtype = {},
                     torch::Device device = torch::kCPU) const;
  const std::string& path() const { return path_; }
  // The file opened: model.safetensors, or the index of a sharded checkpoint.
  const std::string& file() const { return file_; }
  // The shard files, in the order the index lists them (one entry for a single file).
  std::vector<std::string> files() const;

 private:
  std::string path_, file_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::shared_ptr<SafetensorsFile>> by_name_;
};

// Writes tensors (any device; stored contiguous, little-endian) to `path` atomically: the
// bytes go to a temporary file in the same folder that is renamed over `path` only once
// complete, so a crash never leaves a half-written checkpoint. Names must be unique.
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes a sharded checkpoint into `dir` as Hugging Face does: tensors, in the given order, go
// into files of at most `max_shard_bytes` (a larger tensor gets a file of its own) named
// model-00001-of-0000N.safetensors, plus model.safetensors.index.json mapping each name to its
// file. A single shard is written as plain model.safetensors with no index. Every file is
// written atomically, the index last, so a reader never sees an index naming missing shards.
void save_safetensors_sharded(const std::string& dir,
                              const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                              uint64_t max_shard_bytes,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace amem::io
