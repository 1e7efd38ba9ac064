#include "amem/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <string_view>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"
#include "amem/text/utf8.h"

namespace amem::io {

namespace fs = std::filesystem;
using nlohmann::json;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; amem reads it without byte swapping");

namespace {

// Takes the mapped pages of [begin, end) out of this process's resident set once a tensor has
// been copied out. The mapping is private and read-only, so its pages are clean copies of the
// file: dropping them costs nothing, and a later read faults them in again from the page cache.
// Without this, reading a whole checkpoint would leave every byte of it resident until the file
// is closed (twice the model in host memory while loading it). Pages shared with a neighbouring
// tensor are dropped too, harmlessly.
void release_pages(const uint8_t* begin, const uint8_t* end) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<uintptr_t>(begin) / page * page;
  const auto last = reinterpret_cast<uintptr_t>(end);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

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

// The validation below follows the reference reader, huggingface/safetensors at commit 24b0b28
// (safetensors/src/tensor.rs, `read_metadata` :390-425 and `Metadata::validate` :627-663, and
// the format notes in README.md:74-95): a file is accepted only when the reference would
// accept it, and each rule fails with its own message. Where amem deliberately differs, the
// rule says so.

// Headers beyond this size are not tensor indexes but corrupt length fields (tensor.rs:10,
// MAX_HEADER_SIZE, checked at :402-404 as HeaderTooLarge).
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

// One header entry, with its byte size checked against its offsets. Where the offsets lie in
// the data section is checked for all entries together (check_layout).
TensorEntry parse_entry(const std::string& name, const json& spec, const std::string& path) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!spec.is_object()) throw Error(where + ": header entry is not an object");
  auto dtype_it = spec.find("dtype");
  if (dtype_it == spec.end() || !dtype_it->is_string())
    throw Error(where + ": field 'dtype' missing or not a string");
  // The reference knows more dtypes (F8 variants, unsigned 16-64 bit, F4/F6); amem refuses
  // those it has no torch type for, by name.
  auto dtype = dtype_from_name(dtype_it->get<std::string>());
  if (!dtype)
    throw Error(where + ": unknown dtype '" + dtype_it->get<std::string>() +
                "' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
  TensorEntry e;
  e.name = name;
  e.dtype = *dtype;
  for (uint64_t d : unsigned_array(spec, "shape", where)) {
    // A dimension beyond int64 cannot be a torch size; the byte count below would overflow too.
    if (d > uint64_t(std::numeric_limits<int64_t>::max()))
      throw Error(where + ": shape's byte size overflows 64 bits");
    e.shape.push_back(int64_t(d));
  }
  auto offsets = unsigned_array(spec, "data_offsets", where);
  // tensor.rs:636 (InvalidOffset for end < begin).
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    throw Error(where + ": data_offsets must be [begin, end] with begin <= end");
  e.begin = offsets[0];
  e.end = offsets[1];
  // tensor.rs:641-657 (ValidationOverflow), then :659-661 (TensorInvalidInfo).
  uint64_t bytes = c10::elementSize(e.dtype);
  for (int64_t d : e.shape)
    if (__builtin_mul_overflow(bytes, uint64_t(d), &bytes))
      throw Error(where + ": shape's byte size overflows 64 bits");
  if (bytes != e.end - e.begin)
    throw Error(where + ": shape and dtype need " + std::to_string(bytes) +
                " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  return e;
}

// The tensors must tile the data section exactly: sorted by offsets (tensor.rs:557), each
// begins where the previous ends, the first at 0 (:634-638, InvalidOffset), and the last ends
// at the end of the file (:420-422, MetadataIncompleteBuffer). Gaps and trailing bytes would
// let a file carry data no tensor describes (README.md:94-95, "polyglot files").
void check_layout(const std::vector<TensorEntry>& entries, uint64_t data_size, const std::string& path) {
  std::vector<const TensorEntry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const auto* e : by_offset) {
    if (e->begin < covered)
      throw Error(path + ": tensors '" + previous->name + "' and '" + e->name + "' overlap in the data section");
    if (e->begin > covered)
      throw Error(path + ": gap of " + std::to_string(e->begin - covered) + " bytes before tensor '" + e->name +
                  "' (data_offsets begin " + std::to_string(e->begin) + ", " +
                  (previous ? "the previous tensor '" + previous->name + "' ends at " : std::string("the data starts at ")) +
                  std::to_string(covered) + ")");
    covered = e->end;
    previous = e;
  }
  if (covered > data_size)
    throw Error(path + ": truncated: the header's tensors need " + std::to_string(covered) +
                " bytes of data but the file holds " + std::to_string(data_size));
  if (covered < data_size)
    throw Error(path + ": " + std::to_string(data_size - covered) +
                " trailing bytes after the last tensor's data (no tensor describes them)");
}

// Parses header JSON, refusing duplicate keys at any depth (README.md:87: "Duplicate keys are
// disallowed"; a JSON parser would otherwise keep the last silently). `what` prefixes errors.
json parse_without_duplicates(const char* begin, const char* end, const std::string& what) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto reject_duplicates = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = (open_objects.size() == 1 ? "key '" : "nested key '") + parsed.get<std::string>() + "'";
    return true;
  };
  json parsed;
  try {
    parsed = json::parse(begin, end, reject_duplicates);
  } catch (const json::parse_error& e) {
    throw Error(what + " is not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!duplicate.empty()) throw Error(what + ": " + duplicate + " appears twice");
  return parsed;
}

// The header must be UTF-8 (tensor.rs:415, InvalidHeader) and JSON (:416-417,
// InvalidHeaderDeserialization). The reference's JSON parser allows whitespace (space, tab,
// CR, LF) around the object, which is how its writer pads the header to 8 bytes (:253-255);
// it rejects a NUL byte anywhere. nlohmann::json stops at a NUL as if the input ended, so NUL
// is refused here explicitly.
json parse_header(const uint8_t* bytes, uint64_t length, const std::string& path) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), length);
  if (const size_t bad = text::first_invalid_utf8(text); bad < text.size())
    throw Error(path + ": header is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw Error(path + ": header has a NUL byte at byte " + std::to_string(nul) +
                " (the format pads its header with spaces, never NUL)");
  return parse_without_duplicates(text.data(), text.data() + text.size(), path + ": header");
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
  // tensor.rs:392-394 (HeaderTooSmall).
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
  if (header_len > kMaxHeaderBytes)
    throw Error(path + ": header length " + std::to_string(header_len) +
                " is over the format's 100 MB limit: a corrupt length field or not safetensors");
  // tensor.rs:406-414 (InvalidHeaderLength).
  if (header_len > size - 8)
    throw Error(path + ": header length " + std::to_string(header_len) +
                " exceeds the file size (" + std::to_string(size) + " bytes): truncated or not safetensors");
  file->data_ = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  const json header = parse_header(bytes + 8, header_len, path);
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
    file->entries_.push_back(parse_entry(name, spec, path));
  }
  check_layout(file->entries_, data_size, path);
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

namespace {

bool is_float_dtype(torch::ScalarType type) {
  return type == torch::kFloat64 || type == torch::kFloat32 || type == torch::kFloat16 || type == torch::kBFloat16;
}

}  // namespace

torch::Tensor SafetensorsFile::load(const std::string& name, std::optional<torch::ScalarType> dtype,
                                    torch::Device device) const {
  const TensorEntry& e = entry(name);
  const auto target = dtype.value_or(e.dtype);
  // Casting among floating-point types only changes precision; any other conversion means the
  // header's dtype label does not describe what the reader expects (float bits labelled I32
  // would be converted number by number into garbage), so it is refused.
  if (target != e.dtype && !(is_float_dtype(target) && is_float_dtype(e.dtype)))
    throw Error(path_ + ": tensor '" + name + "' is stored as " + dtype_name(e.dtype, name) + " but is read as " +
                dtype_name(target, name) + " (only F64, F32, F16 and BF16 convert among themselves)");
  const uint8_t* src = data_ + e.begin;
  torch::Tensor out;
  // Aligned data can be viewed in place and converted/moved in one copy; misaligned data (a
  // header length that is not a multiple of the element size) is first copied out.
  if (reinterpret_cast<uintptr_t>(src) % c10::elementSize(e.dtype) == 0 &&
      (target != e.dtype || device != torch::kCPU)) {
    auto view = torch::from_blob(const_cast<uint8_t*>(src), e.shape, torch::TensorOptions(e.dtype));
    out = view.to(device, target, /*non_blocking=*/false, /*copy=*/true);
  } else {
    out = torch::empty(e.shape, torch::TensorOptions(e.dtype));
    if (e.end > e.begin) std::memcpy(out.data_ptr(), src, e.end - e.begin);
    out = out.to(device, target);
  }
  release_pages(data_ + e.begin, data_ + e.end);
  // Checked on the result, so that values a cast to a narrower type turns into infinities are
  // caught too; one reduction per tensor, on its device.
  if (is_float_dtype(target) && !torch::isfinite(out).all().item<bool>())
    throw Error(path_ + ": tensor '" + name + "' holds NaN or infinite values" +
                (target != e.dtype ? " as " + dtype_name(target, name) + " (stored as " + dtype_name(e.dtype, name) + ")"
                                   : std::string()));
  return out;
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
  ckpt.file_ = p.string();

  std::map<std::string, std::shared_ptr<SafetensorsFile>> open_files;
  if (p.extension() == ".json") {
    std::ifstream in(p, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const json index = parse_without_duplicates(text.data(), text.data() + text.size(), p.string());
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
