#include "amem/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"

namespace amem::io {

namespace fs = std::filesystem;
using nlohmann::json;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; amem reads it without byte swapping");

namespace {

// The format's dtype names and their torch counterparts.
const std::vector<std::pair<std::string, torch::ScalarType>>& dtype_names() {
  static const std::vector<std::pair<std::string, torch::ScalarType>> names = {
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16},
      {"BF16", torch::kBFloat16}, {"I64", torch::kInt64}, {"I32", torch::kInt32},
      {"I16", torch::kInt16},   {"I8", torch::kInt8},     {"U8", torch::kUInt8},
      {"BOOL", torch::kBool}};
  return names;
}

std::optional<torch::ScalarType> dtype_from_name(const std::string& name) {
  for (const auto& [n, t] : dtype_names())
    if (n == name) return t;
  return std::nullopt;
}

std::string dtype_name(torch::ScalarType type, const std::string& tensor) {
  for (const auto& [n, t] : dtype_names())
    if (t == type) return n;
  throw Error("safetensors: tensor '" + tensor + "' has dtype " + c10::toString(type) +
              ", which the format cannot store");
}

// Headers beyond this size are not tensor indexes but corrupt length fields (HF uses 100 MB).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Reads a non-negative integer array field of one header entry.
std::vector<uint64_t> unsigned_array(const json& entry, const char* field, const std::string& where) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_array())
    throw Error(where + ": field '" + field + "' missing or not an array");
  std::vector<uint64_t> out;
  for (const auto& v : *it) {
    if (!v.is_number_unsigned())
      throw Error(where + ": field '" + field + "' must hold non-negative integers");
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

TensorEntry parse_entry(const std::string& name, const json& spec, uint64_t data_size,
                        const std::string& path) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!spec.is_object()) throw Error(where + ": header entry is not an object");
  auto dtype_it = spec.find("dtype");
  if (dtype_it == spec.end() || !dtype_it->is_string())
    throw Error(where + ": field 'dtype' missing or not a string");
  auto dtype = dtype_from_name(dtype_it->get<std::string>());
  if (!dtype)
    throw Error(where + ": unknown dtype '" + dtype_it->get<std::string>() +
                "' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
  TensorEntry e;
  e.name = name;
  e.dtype = *dtype;
  for (uint64_t d : unsigned_array(spec, "shape", where)) e.shape.push_back(int64_t(d));
  auto offsets = unsigned_array(spec, "data_offsets", where);
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    throw Error(where + ": data_offsets must be [begin, end] with begin <= end");
  e.begin = offsets[0];
  e.end = offsets[1];
  uint64_t bytes = c10::elementSize(e.dtype);
  for (int64_t d : e.shape)
    if (__builtin_mul_overflow(bytes, uint64_t(d), &bytes))
      throw Error(where + ": shape is larger than the file");
  if (bytes != e.end - e.begin)
    throw Error(where + ": shape and dtype need " + std::to_string(bytes) +
                " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  if (e.end > data_size)
    throw Error(where + ": data_offsets end " + std::to_string(e.end) +
                " lies beyond the data section (" + std::to_string(data_size) + " bytes)");
  return e;
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path + ": not a regular file");
  }
  const uint64_t size = uint64_t(st.st_size);
  if (size < 8) {
    ::close(fd);
    throw Error(path + ": truncated: " + std::to_string(size) +
                " bytes, shorter than the 8-byte header length");
  }
  void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file alive
  if (mapping == MAP_FAILED) throw Error(path + ": cannot map: " + std::strerror(errno));
  file->mapping_ = mapping;
  file->mapping_size_ = size;
  const auto* bytes = static_cast<const uint8_t*>(mapping);

  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes, 8);
  if (header_len > kMaxHeaderBytes || header_len > size - 8)
    throw Error(path + ": header length " + std::to_string(header_len) +
                " exceeds the file size (" + std::to_string(size) + " bytes): truncated or not safetensors");
  file->data_ = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const json::parse_error& e) {
    throw Error(path + ": header is not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!header.is_object()) throw Error(path + ": header is not a JSON object");

  for (const auto& [name, spec] : header.items()) {
    if (name == "__metadata__") {
      if (!spec.is_object()) throw Error(path + ": __metadata__ is not an object");
      for (const auto& [k, v] : spec.items()) {
        if (!v.is_string()) throw Error(path + ": __metadata__." + k + " is not a string");
        file->metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    file->entries_.push_back(parse_entry(name, spec, data_size, path));
  }
  // Two tensors sharing bytes would alias each other's storage on write-back; reject them.
  std::vector<const TensorEntry*> by_offset;
  for (const auto& e : file->entries_) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      throw Error(path + ": tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name +
                  "' overlap in the data section");
  for (size_t i = 0; i < file->entries_.size(); ++i) file->index_[file->entries_[i].name] = i;
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(mapping_, mapping_size_);
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) > 0; }

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error(path_ + ": no tensor named '" + name + "'");
  return entries_[it->second];
}

torch::Tensor SafetensorsFile::load(const std::string& name, std::optional<torch::ScalarType> dtype,
                                    torch::Device device) const {
  const TensorEntry& e = entry(name);
  const uint8_t* src = data_ + e.begin;
  const auto target = dtype.value_or(e.dtype);
  // Aligned data can be viewed in place and converted/moved in one copy; misaligned data (a
  // header length that is not a multiple of the element size) is first copied out.
  if (reinterpret_cast<uintptr_t>(src) % c10::elementSize(e.dtype) == 0 &&
      (target != e.dtype || device != torch::kCPU)) {
    auto view = torch::from_blob(const_cast<uint8_t*>(src), e.shape, torch::TensorOptions(e.dtype));
    return view.to(device, target, /*non_blocking=*/false, /*copy=*/true);
  }
  auto out = torch::empty(e.shape, torch::TensorOptions(e.dtype));
  if (e.end > e.begin) std::memcpy(out.data_ptr(), src, e.end - e.begin);
  return out.to(device, target);
}

namespace {

std::shared_ptr<SafetensorsFile> open_shard(std::map<std::string, std::shared_ptr<SafetensorsFile>>& open_files,
                                            const fs::path& file) {
  auto& slot = open_files[file.string()];
  if (!slot) slot = SafetensorsFile::open(file.string());
  return slot;
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  SafetensorsCheckpoint ckpt;
  ckpt.path_ = path;
  fs::path p(path);
  if (fs::is_directory(p)) {
    if (fs::exists(p / "model.safetensors.index.json")) p /= "model.safetensors.index.json";
    else if (fs::exists(p / "model.safetensors")) p /= "model.safetensors";
    else throw Error(path + ": no model.safetensors or model.safetensors.index.json in this folder");
  } else if (!fs::exists(p)) {
    throw Error(path + ": no such file or folder");
  }

  std::map<std::string, std::shared_ptr<SafetensorsFile>> open_files;
  if (p.extension() == ".json") {
    json index;
    try {
      std::ifstream in(p);
      index = json::parse(in);
    } catch (const json::exception& e) {
      throw Error(p.string() + ": not valid JSON");
    }
    auto map = index.find("weight_map");
    if (map == index.end() || !map->is_object())
      throw Error(p.string() + ": 'weight_map' missing or not an object");
    for (const auto& [name, file] : map->items()) {
      if (!file.is_string()) throw Error(p.string() + ": weight_map." + name + " is not a file name");
      const fs::path shard = p.parent_path() / file.get<std::string>();
      if (!fs::exists(shard))
        throw Error(p.string() + ": weight_map." + name + " names missing shard " + shard.string());
      auto f = open_shard(open_files, shard);
      if (!f->contains(name))
        throw Error(p.string() + ": tensor '" + name + "' is not in its shard " + shard.string());
      ckpt.by_name_[name] = f;
      if (std::find(ckpt.files_.begin(), ckpt.files_.end(), f) == ckpt.files_.end())
        ckpt.files_.push_back(f);
    }
  } else {
    auto f = open_shard(open_files, p);
    ckpt.files_.push_back(f);
    for (const auto& e : f->entries()) ckpt.by_name_[e.name] = f;
  }
  return ckpt;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : by_name_) out.push_back(name);
  return out;
}

std::vector<std::string> SafetensorsCheckpoint::files() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back(f->path());
  return out;
}

bool SafetensorsCheckpoint::contains(const std::string& name) const { return by_name_.count(name) > 0; }

const TensorEntry& SafetensorsCheckpoint::entry(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw Error(path_ + ": checkpoint has no tensor named '" + name + "'");
  return it->second->entry(name);
}

torch::Tensor SafetensorsCheckpoint::load(const std::string& name, std::optional<torch::ScalarType> dtype,
                                          torch::Device device) const {
  entry(name);  // uniform error for absent names
  return by_name_.at(name)->load(name, dtype, device);
}

namespace {

// The order tensors are laid out in the data section: by element size, largest first (stable
// otherwise), so that with an 8-byte-aligned data start every tensor is aligned for its dtype,
// as Hugging Face lays them out.
std::vector<size_t> layout_order(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return tensors[a].second.element_size() > tensors[b].second.element_size();
  });
  return order;
}

// Header JSON for tensors laid out back to back in `order`, padded with spaces to a multiple
// of 8 bytes so that the data section starts 8-byte aligned.
std::string make_header(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                        const std::vector<size_t>& order,
                        const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (size_t i : order) {
    const auto& [name, t] = tensors[i];
    if (name == "__metadata__" || !seen.insert(name).second)
      throw Error("safetensors: tensor name '" + name + "' is reserved or used twice");
    const uint64_t bytes = uint64_t(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype_name(t.scalar_type(), name)},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  return text;
}

}  // namespace

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const auto order = layout_order(tensors);
  const std::string header = make_header(tensors, order, metadata);
  write_file_atomic(path, [&](std::ostream& out) {
    const uint64_t len = header.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out.write(header.data(), std::streamsize(header.size()));
    // One tensor at a time: peak extra memory is one CPU copy of the largest tensor.
    for (size_t i : order) {
      auto cpu = tensors[i].second.detach().to(torch::kCPU).contiguous();
      out.write(static_cast<const char*>(cpu.data_ptr()), std::streamsize(cpu.nbytes()));
    }
  });
}

void save_safetensors_sharded(const std::string& dir,
                              const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                              uint64_t max_shard_bytes,
                              const std::map<std::string, std::string>& metadata) {
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> shards(1);
  uint64_t shard_bytes = 0, total_bytes = 0;
  for (const auto& item : tensors) {
    const uint64_t bytes = item.second.nbytes();
    if (!shards.back().empty() && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(item);
    shard_bytes += bytes;
    total_bytes += bytes;
  }
  const fs::path root(dir);
  if (shards.size() == 1) {
    save_safetensors((root / "model.safetensors").string(), tensors, metadata);
    return;
  }
  json weight_map = json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    char file[64];
    std::snprintf(file, sizeof file, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    save_safetensors((root / file).string(), shards[i], metadata);
    for (const auto& item : shards[i]) weight_map[item.first] = file;
  }
  json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomic((root / "model.safetensors.index.json").string(), index.dump(2) + "\n");
}

}  // namespace amem::io
