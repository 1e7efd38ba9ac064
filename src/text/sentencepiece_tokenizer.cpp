#include "amem/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "amem/core/error.h"
#include "amem_build_paths.h"
#include "text/spm_shim/spm_api.h"

namespace fs = std::filesystem;

namespace amem::text {

// The shim's functions, resolved once per loaded library.
struct SpmLibrary {
  decltype(&amem_spm_load) load;
  decltype(&amem_spm_free) free;
  decltype(&amem_spm_encode) encode;
  decltype(&amem_spm_decode) decode;
  decltype(&amem_spm_vocab_size) vocab_size;
  decltype(&amem_spm_id_to_piece) id_to_piece;
  decltype(&amem_spm_piece_to_id) piece_to_id;
  decltype(&amem_spm_unk_id) unk_id;
  decltype(&amem_spm_bos_id) bos_id;
  decltype(&amem_spm_eos_id) eos_id;
  decltype(&amem_spm_pad_id) pad_id;
  decltype(&amem_spm_is_control) is_control;
};

namespace {

constexpr const char* kShimName = "libamem_spm.so";

// $AMEM_SPM_SHIM when set (taken as given), else the first existing of: next to the running
// program, the build location.
std::string find_shim() {
  if (const char* env = std::getenv("AMEM_SPM_SHIM"); env && *env) return env;
  std::error_code ec;
  const fs::path beside_program = fs::read_symlink("/proc/self/exe", ec).parent_path() / kShimName;
  if (!ec && fs::exists(beside_program)) return beside_program.string();
  if (fs::exists(AMEM_SPM_SHIM_BUILD_PATH)) return AMEM_SPM_SHIM_BUILD_PATH;
  throw Error(std::string("cannot find ") + kShimName + " (the sentencepiece wrapper) next to " +
              (ec ? std::string("the program") : beside_program.parent_path().string()) +
              " or at " + AMEM_SPM_SHIM_BUILD_PATH + "; set AMEM_SPM_SHIM to its path");
}

template <typename Function>
void resolve(void* handle, const std::string& path, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(handle, name));
  if (!function)
    throw Error(path + ": not the amem sentencepiece wrapper (no symbol " + name + ")");
}

const SpmLibrary* load_library() {
  const std::string path = find_shim();
  // The library stays loaded for the life of the process: unloading sentencepiece's protobuf
  // is not safe, and dlopen of an already loaded path only returns the same handle.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle) {
    const char* why = dlerror();
    throw Error("cannot load the sentencepiece wrapper " + path + ": " +
                (why ? why : "dlopen failed"));
  }
  static std::mutex mutex;
  static std::map<void*, SpmLibrary> libraries;
  std::lock_guard<std::mutex> lock(mutex);
  if (const auto it = libraries.find(handle); it != libraries.end()) return &it->second;
  SpmLibrary library{};
  resolve(handle, path, "amem_spm_load", library.load);
  resolve(handle, path, "amem_spm_free", library.free);
  resolve(handle, path, "amem_spm_encode", library.encode);
  resolve(handle, path, "amem_spm_decode", library.decode);
  resolve(handle, path, "amem_spm_vocab_size", library.vocab_size);
  resolve(handle, path, "amem_spm_id_to_piece", library.id_to_piece);
  resolve(handle, path, "amem_spm_piece_to_id", library.piece_to_id);
  resolve(handle, path, "amem_spm_unk_id", library.unk_id);
  resolve(handle, path, "amem_spm_bos_id", library.bos_id);
  resolve(handle, path, "amem_spm_eos_id", library.eos_id);
  resolve(handle, path, "amem_spm_pad_id", library.pad_id);
  resolve(handle, path, "amem_spm_is_control", library.is_control);
  return &libraries.emplace(handle, library).first->second;
}

std::optional<int64_t> id_or_none(int32_t id) {
  if (id < 0) return std::nullopt;
  return id;
}

}  // namespace

SentencepieceTokenizer::SentencepieceTokenizer(const std::string& model_path)
    : path_(model_path), library_(load_library()) {
  if (!fs::is_regular_file(model_path)) throw Error(model_path + ": no such file");
  char error[512] = "";
  model_ = library_->load(model_path.c_str(), error, sizeof error);
  if (!model_) {
    std::string why = error;
    while (!why.empty() && why.back() == ' ') why.pop_back();
    throw Error(model_path + ": not a sentencepiece model (" + why + ")");
  }
  special_.unk = id_or_none(library_->unk_id(model_));
  special_.bos = id_or_none(library_->bos_id(model_));
  special_.eos = id_or_none(library_->eos_id(model_));
  special_.pad = id_or_none(library_->pad_id(model_));
}

SentencepieceTokenizer::~SentencepieceTokenizer() {
  if (model_) library_->free(model_);
}

std::vector<int64_t> SentencepieceTokenizer::encode(std::string_view text) const {
  // Usually fewer ids than bytes; the shim reports the size needed when it is more.
  std::vector<int32_t> ids(text.size() + 16);
  int64_t n = library_->encode(model_, text.data(), text.size(), ids.data(), ids.size());
  if (n > static_cast<int64_t>(ids.size())) {
    ids.resize(n);
    n = library_->encode(model_, text.data(), text.size(), ids.data(), ids.size());
  }
  if (n < 0) throw Error(path_ + ": sentencepiece could not encode the text");
  return {ids.begin(), ids.begin() + n};
}

std::string SentencepieceTokenizer::decode_plain(const std::vector<int32_t>& ids) const {
  std::string text(ids.size() * 8 + 16, '\0');
  int64_t n = library_->decode(model_, ids.data(), ids.size(), text.data(), text.size());
  if (n > static_cast<int64_t>(text.size())) {
    text.resize(n);
    n = library_->decode(model_, ids.data(), ids.size(), text.data(), text.size());
  }
  if (n < 0) throw Error(path_ + ": sentencepiece could not decode the ids");
  text.resize(n);
  return text;
}

bool SentencepieceTokenizer::is_control(int64_t id) const {
  // The shim counts the unknown piece as control too; sentencepiece renders it as " ⁇ ".
  return library_->is_control(model_, static_cast<int32_t>(id)) && id != special_.unk;
}

std::string SentencepieceTokenizer::decode(const std::vector<int64_t>& ids,
                                           bool skip_special) const {
  std::string text;
  std::vector<int32_t> run;  // ids since the last control piece
  for (const int64_t id : ids) {
    if (id < 0 || id >= vocab_size()) {
      throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + path_ +
                  " (size " + std::to_string(vocab_size()) + ")");
    }
    // sentencepiece drops control pieces itself; written out, they split the text.
    if (!skip_special && is_control(id)) {
      text += decode_plain(run) + id_to_piece(id);
      run.clear();
    } else {
      run.push_back(static_cast<int32_t>(id));
    }
  }
  return text + decode_plain(run);
}

int64_t SentencepieceTokenizer::vocab_size() const { return library_->vocab_size(model_); }

std::string SentencepieceTokenizer::id_to_piece(int64_t id) const {
  const char* piece = id >= 0 && id < vocab_size()
                          ? library_->id_to_piece(model_, static_cast<int32_t>(id))
                          : nullptr;
  if (!piece) {
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary of " + path_ +
                " (size " + std::to_string(vocab_size()) + ")");
  }
  return piece;
}

std::optional<int64_t> SentencepieceTokenizer::piece_to_id(std::string_view piece) const {
  const int32_t id = library_->piece_to_id(model_, std::string(piece).c_str());
  // The library answers the unknown id for absent pieces.
  if (id < 0 || (id == special_.unk && id_to_piece(id) != piece)) return std::nullopt;
  return id;
}

}  // namespace amem::text
