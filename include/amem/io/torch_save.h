// Reading files written by Python's torch.save (the zip format of PyTorch >= 1.6) without Python.
//
// The archive is read with LibTorch's zip reader (caffe2::serialize::PyTorchStreamReader); the
// pickle inside with the restricted unpickler here: LibTorch 1.13's own (torch::pickle_load)
// turns a `collections.OrderedDict` into None and runs BUILD, the attribute state Python pickles
// after it (every `module.state_dict()` carries `_metadata`), as a call, so it cannot read a
// saved state dict. Only what torch.save writes for containers of tensors is accepted:
// dicts (OrderedDict too; attribute state is dropped), lists, tuples, strings, ints, floats,
// bools, None, and tensors rebuilt by torch._utils._rebuild_tensor_v2 / _rebuild_parameter from
// typed storages. No other class is constructed: an unknown global is an error, never code.
// Storages saved on any device are read onto the CPU; storages shared by several tensors stay
// shared.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace amem::io {

struct PickleValue {
  // kGlobal: a class or function the pickle names (text: "module.name"), never constructed.
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kTensor, kGlobal };
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0.0;
  std::string text;
  // Tuples and lists (shared: the pickle's memo refers to the same container).
  std::shared_ptr<std::vector<PickleValue>> items;
  // Dicts, in insertion order.
  std::shared_ptr<std::vector<std::pair<PickleValue, PickleValue>>> entries;
  torch::Tensor tensor;

  // "None", "dict", "tensor", ...: for error messages.
  std::string kind_name() const;
};

// The unpickled object of `path`. Throws amem::Error naming `path` when it is not a torch.save
// zip archive, its pickle uses an opcode or global outside the subset above, or a storage is
// missing or has the wrong size.
PickleValue read_torch_save(const std::string& path);

}  // namespace amem::io
