// Checking the sizes a checkpoint's config.json declares against its tensors, before any
// module is built.
//
// Modules are allocated from config.json's sizes, so a corrupt or mistyped size ("n_layer":
// 1000000000) would allocate memory until the process is killed, or fail inside LibTorch's
// allocator, before the weight loader ever compares shapes. Each family's loader therefore
// first states, for every config key that shapes a tensor, which tensor dimension (or how many
// numbered blocks) it must equal. Only the safetensors header is read for this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "amem/io/safetensors.h"

namespace amem::models {

class ConfigShapeCheck {
 public:
  // `config_path` names config.json in messages; tensor names are looked up under each of
  // `prefixes` in turn, as models::load_weights does.
  ConfigShapeCheck(std::string config_path, const io::SafetensorsCheckpoint& checkpoint,
                   std::vector<std::string> prefixes = {""});

  // `key` (its value `value`) must equal dimension `dim` of tensor `tensor`. amem::Error
  // otherwise, and when the checkpoint lacks the tensor, e.g.
  //   "tiny-gpt2/config.json: n_embd is 65 but .../model.safetensors has 'transformer.wte.weight' of shape [601, 64]"
  void size(const std::string& key, int64_t value, const std::string& tensor, size_t dim) const;
  // The same for the product of two keys (heads times head width), which may overflow.
  void product(const std::string& key_a, int64_t a, const std::string& key_b, int64_t b, const std::string& tensor,
               size_t dim) const;

  // `key` must equal the number of blocks `<block>0.` ... `<block>N-1.` (N = the highest block
  // index + 1) among the checkpoint's tensor names. amem::Error otherwise, e.g.
  //   "tiny-gpt2/config.json: n_layer is 1000000000 but model.safetensors has 2 layers (h.0 … h.1)"
  void blocks(const std::string& key, int64_t value, const std::string& block) const;

 private:
  void compare(const std::string& what, const std::optional<int64_t>& value, const std::string& tensor,
               size_t dim) const;
  std::string config_path_;
  const io::SafetensorsCheckpoint& checkpoint_;
  std::vector<std::string> prefixes_;
};

}  // namespace amem::models
