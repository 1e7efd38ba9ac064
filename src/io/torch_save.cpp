#include "amem/io/torch_save.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "amem/core/error.h"

namespace amem::io {

std::string PickleValue::kind_name() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kTensor: return "tensor";
    case Kind::kGlobal: return "global " + text;
  }
  return "?";
}

namespace {

// Pickle opcodes of protocols 0-2 (and the few of 4 that Python may use), as in CPython's
// Lib/pickle.py.
enum Op : uint8_t {
  kMark = '(', kStop = '.', kBinInt = 'J', kBinInt1 = 'K', kBinInt2 = 'M', kNone = 'N', kBinPersId = 'Q',
  kReduce = 'R', kBinUnicode = 'X', kAppend = 'a', kBuild = 'b', kGlobal = 'c', kAppends = 'e', kBinGet = 'h',
  kLongBinGet = 'j', kEmptyList = ']', kBinPut = 'q', kLongBinPut = 'r', kSetItem = 's', kTuple = 't',
  kEmptyTuple = ')', kSetItems = 'u', kBinFloat = 'G', kEmptyDict = '}', kProto = 0x80, kTuple1 = 0x85,
  kTuple2 = 0x86, kTuple3 = 0x87, kNewTrue = 0x88, kNewFalse = 0x89, kLong1 = 0x8a, kShortBinUnicode = 0x8c,
  kMemoize = 0x94, kFrame = 0x95,
};

torch::ScalarType storage_dtype(const std::string& name, const std::string& path) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat},     {"torch.DoubleStorage", torch::kDouble},
      {"torch.HalfStorage", torch::kHalf},       {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},       {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort},     {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},       {"torch.BoolStorage", torch::kBool}};
  const auto it = types.find(name);
  if (it == types.end()) throw Error(path + ": unsupported storage type " + name + " in the pickle");
  return it->second;
}

class Unpickler {
 public:
  Unpickler(caffe2::serialize::PyTorchStreamReader& archive, const uint8_t* data, size_t size, std::string path)
      : archive_(archive), data_(data), size_(size), path_(std::move(path)) {}

  PickleValue run() {
    for (;;) {
      const uint8_t op = byte();
      switch (op) {
        case kProto: byte(); break;
        case kFrame: bytes(8); break;
        case kStop:
          if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
          return pop();
        case kMark: marks_.push_back(stack_.size()); break;
        case kNone: push(PickleValue{}); break;
        case kNewTrue: case kNewFalse: {
          PickleValue v; v.kind = PickleValue::Kind::kBool; v.boolean = op == kNewTrue; push(v);
        } break;
        case kBinInt1: push(integer(byte())); break;
        case kBinInt2: push(integer(little_endian(2, false))); break;
        case kBinInt: push(integer(little_endian(4, true))); break;
        case kLong1: push(integer(little_endian(byte(), true))); break;
        case kBinFloat: {
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | byte();  // big-endian
          PickleValue v; v.kind = PickleValue::Kind::kFloat;
          std::memcpy(&v.floating, &bits, sizeof bits);
          push(v);
        } break;
        case kBinUnicode: push(string(size_t(little_endian(4, false)))); break;
        case kShortBinUnicode: push(string(byte())); break;
        case kEmptyTuple: push(container(PickleValue::Kind::kTuple, {})); break;
        case kTuple1: case kTuple2: case kTuple3: {
          const size_t n = op - kTuple1 + 1;
          if (stack_.size() < n) fail("TUPLE on a short stack");
          std::vector<PickleValue> items;
          for (size_t i = stack_.size() - n; i < stack_.size(); ++i) items.push_back(stack_[i]);
          stack_.resize(stack_.size() - n);
          push(container(PickleValue::Kind::kTuple, std::move(items)));
        } break;
        case kTuple: push(container(PickleValue::Kind::kTuple, values_since_mark())); break;
        case kEmptyList: push(container(PickleValue::Kind::kList, {})); break;
        case kAppend: { auto v = pop(); list_on_top().push_back(std::move(v)); } break;
        case kAppends: {
          auto items = values_since_mark();
          auto& list = list_on_top();
          list.insert(list.end(), items.begin(), items.end());
        } break;
        case kEmptyDict: {
          PickleValue v; v.kind = PickleValue::Kind::kDict;
          v.entries = std::make_shared<std::vector<std::pair<PickleValue, PickleValue>>>();
          push(v);
        } break;
        case kSetItem: {
          auto val = pop();
          auto key = pop();
          dict_on_top().emplace_back(std::move(key), std::move(val));
        } break;
        case kSetItems: {
          auto items = values_since_mark();
          if (items.size() % 2) fail("SETITEMS with an odd number of values");
          auto& dict = dict_on_top();
          for (size_t i = 0; i < items.size(); i += 2) dict.emplace_back(items[i], items[i + 1]);
        } break;
        case kBinPut: memo_[byte()] = top(); break;
        case kLongBinPut: memo_[little_endian(4, false)] = top(); break;
        case kMemoize: memo_[int64_t(memo_.size())] = top(); break;
        case kBinGet: push(memo(byte())); break;
        case kLongBinGet: push(memo(little_endian(4, false))); break;
        case kGlobal: {
          const auto module = line(), name = line();
          PickleValue g; g.kind = PickleValue::Kind::kGlobal; g.text = module + "." + name; push(g);
        } break;
        case kBinPersId: push(persistent_load(pop())); break;
        case kReduce: {
          auto args = pop();
          auto callable = pop();
          push(reduce(callable, args));
        } break;
        case kBuild: {
          // Attribute state (an OrderedDict's __dict__, e.g. a state dict's _metadata): dropped.
          pop();
          if (stack_.empty()) fail("BUILD without an object");
        } break;
        default: fail("unsupported pickle opcode 0x" + hex(op));
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path_ + ": data.pkl at byte " + std::to_string(pos_) + ": " + what +
                " (amem reads what torch.save writes for containers of tensors)");
  }

  static std::string hex(uint8_t op) {
    const char* digits = "0123456789abcdef";
    return std::string{digits[op >> 4], digits[op & 15]};
  }

  uint8_t byte() {
    if (pos_ >= size_) fail("truncated");
    return data_[pos_++];
  }
  const uint8_t* bytes(size_t n) {
    if (n > size_ - pos_) fail("truncated");
    const auto* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  int64_t little_endian(size_t n, bool is_signed) {
    if (n > 8) fail("integer of " + std::to_string(n) + " bytes");
    const auto* p = bytes(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    if (is_signed && n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);
    return int64_t(v);
  }
  std::string line() {
    const size_t start = pos_;
    while (byte() != '\n') {}
    return std::string(reinterpret_cast<const char*>(data_ + start), pos_ - start - 1);
  }

  static PickleValue integer(int64_t i) {
    PickleValue v; v.kind = PickleValue::Kind::kInt; v.integer = i; return v;
  }
  PickleValue string(size_t n) {
    PickleValue v; v.kind = PickleValue::Kind::kString;
    const auto* p = bytes(n);
    v.text.assign(reinterpret_cast<const char*>(p), n);
    return v;
  }
  static PickleValue container(PickleValue::Kind kind, std::vector<PickleValue> items) {
    PickleValue v; v.kind = kind; v.items = std::make_shared<std::vector<PickleValue>>(std::move(items)); return v;
  }

  void push(PickleValue v) { stack_.push_back(std::move(v)); }
  PickleValue pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("pop from an empty stack");
    auto item = std::move(stack_.back());
    stack_.pop_back();
    return item;
  }
  const PickleValue& top() const {
    if (stack_.empty()) fail("memo of an empty stack");
    return stack_.back();
  }
  PickleValue memo(int64_t index) const {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  }
  std::vector<PickleValue> values_since_mark() {
    if (marks_.empty()) fail("no MARK");
    const size_t start = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue> out;
    for (size_t i = start; i < stack_.size(); ++i) out.push_back(stack_[i]);
    stack_.resize(start);
    return out;
  }
  std::vector<PickleValue>& list_on_top() {
    if (stack_.empty() || stack_.back().kind != PickleValue::Kind::kList) fail("APPEND to something other than a list");
    return *stack_.back().items;
  }
  std::vector<std::pair<PickleValue, PickleValue>>& dict_on_top() {
    if (stack_.empty() || stack_.back().kind != PickleValue::Kind::kDict) fail("SETITEM on something other than a dict");
    return *stack_.back().entries;
  }

  const std::vector<PickleValue>& tuple_items(const PickleValue& v, size_t at_least, const std::string& what) const {
    if (v.kind != PickleValue::Kind::kTuple || v.items->size() < at_least)
      fail(what + ": expected a tuple of at least " + std::to_string(at_least) + " values, got " + v.kind_name());
    return *v.items;
  }
  int64_t int_of(const PickleValue& v, const std::string& what) const {
    if (v.kind != PickleValue::Kind::kInt) fail(what + ": expected an int, got " + v.kind_name());
    return v.integer;
  }
  std::vector<int64_t> ints_of(const PickleValue& v, const std::string& what) const {
    std::vector<int64_t> out;
    for (const auto& item : tuple_items(v, 0, what)) out.push_back(int_of(item, what));
    return out;
  }

  // ('storage', <storage class>, key, location, numel): a typed storage in data/<key>.
  PickleValue persistent_load(const PickleValue& pid) {
    if (pid.kind != PickleValue::Kind::kTuple || pid.items->size() != 5 || (*pid.items)[0].text != "storage" ||
        (*pid.items)[1].kind != PickleValue::Kind::kGlobal || (*pid.items)[2].kind != PickleValue::Kind::kString)
      fail("persistent id is not ('storage', storage class, key, location, numel)");
    // The location ('cuda:0', ...) is not used: every storage is read onto the CPU.
    const auto& type = (*pid.items)[1].text;
    const auto dtype = storage_dtype(type, path_);
    const auto& key = (*pid.items)[2].text;
    const int64_t numel = int_of((*pid.items)[4], "storage size");
    auto it = storages_.find(key);
    if (it == storages_.end()) {
      const std::string record = "data/" + key;
      if (!archive_.hasRecord(record)) throw Error(path_ + ": storage record '" + record + "' is missing");
      auto [data, size] = archive_.getRecord(record);
      const size_t expected = size_t(numel) * c10::elementSize(dtype);
      if (size != expected)
        throw Error(path_ + ": storage record '" + record + "' holds " + std::to_string(size) + " bytes, expected " +
                    std::to_string(expected) + " (" + std::to_string(numel) + " x " + type + ")");
      auto holder = std::make_shared<at::DataPtr>(std::move(data));
      auto storage = torch::from_blob(holder->get(), {numel}, [holder](void*) {}, torch::TensorOptions().dtype(dtype));
      it = storages_.emplace(key, storage).first;
    }
    PickleValue v; v.kind = PickleValue::Kind::kTensor; v.tensor = it->second;
    return v;
  }

  PickleValue reduce(const PickleValue& callable, const PickleValue& args) {
    if (callable.kind != PickleValue::Kind::kGlobal) fail("REDUCE of a " + callable.kind_name() + ", expected a global");
    const auto& name = callable.text;
    PickleValue out;
    if (name == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const auto& a = tuple_items(args, 4, name);
      if (a[0].kind != PickleValue::Kind::kTensor) fail(name + ": no storage");
      const auto size = ints_of(a[2], name + " size"), stride = ints_of(a[3], name + " stride");
      if (size.size() != stride.size()) fail(name + ": size and stride differ in length");
      const int64_t offset = int_of(a[1], name + " offset");
      int64_t last = offset;  // the last element the view reaches must lie in the storage
      for (size_t d = 0; d < size.size(); ++d) {
        if (size[d] < 0 || stride[d] < 0) fail(name + ": negative size or stride");
        if (size[d] == 0) last = -1;
        if (last >= 0) last += (size[d] - 1) * stride[d];
      }
      if (offset < 0 || last >= a[0].tensor.numel()) fail(name + ": the view reaches past its storage");
      out.kind = PickleValue::Kind::kTensor;
      out.tensor = a[0].tensor.as_strided(size, stride, offset);
    } else if (name == "torch._utils._rebuild_parameter") {  // (tensor, requires_grad, backward_hooks)
      const auto& a = tuple_items(args, 1, name);
      if (a[0].kind != PickleValue::Kind::kTensor) fail(name + ": no tensor");
      out = a[0];
    } else if (name == "collections.OrderedDict") {
      out.kind = PickleValue::Kind::kDict;
      out.entries = std::make_shared<std::vector<std::pair<PickleValue, PickleValue>>>();
    } else if (name == "torch.jit._pickle.restore_type_tag") {  // LibTorch's pickler: (value, type string)
      out = tuple_items(args, 1, name)[0];
    } else {
      fail("unsupported global " + name);
    }
    return out;
  }

  caffe2::serialize::PyTorchStreamReader& archive_;
  const uint8_t* data_;
  size_t size_, pos_ = 0;
  std::string path_;
  std::vector<PickleValue> stack_;
  std::vector<size_t> marks_;
  std::map<int64_t, PickleValue> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

}  // namespace

PickleValue read_torch_save(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file");
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  at::DataPtr pickle;
  size_t size = 0;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    if (archive->hasRecord("byteorder")) {
      auto [order, n] = archive->getRecord("byteorder");
      if (std::string(static_cast<const char*>(order.get()), n) != "little")
        throw Error(path + ": saved big-endian (byteorder record); amem reads little-endian archives");
    }
    std::tie(pickle, size) = archive->getRecord("data.pkl");
  } catch (const c10::Error& e) {
    // LibTorch's reader reports a zip without torch.save's records as a failed internal check
    // ("Expected hasRecord(\"version\") ..."); name what is missing instead.
    std::string reason = e.what_without_backtrace();
    if (reason.find("hasRecord(\"version\")") != std::string::npos)
      reason = "a zip archive without torch.save's 'version' record";
    throw Error(path + ": not a readable torch.save zip archive (" + reason.substr(0, reason.find('\n')) + ")");
  }
  Unpickler unpickler(*archive, static_cast<const uint8_t*>(pickle.get()), size, path);
  return unpickler.run();
}

}  // namespace amem::io
