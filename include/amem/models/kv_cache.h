// Keys and values of the positions a causal LM has already seen, per layer.
//
// A P-tuning v2 prefix is exactly such a cache entry that no token produced: P key/value
// vectors per layer that every later position attends to. So a prefix starts a cache
// (KvCache::from_prefix), and generation under a prefix is generation with a warm cache.
// Appending uses torch::cat, which autograd differentiates: gradients of a loss computed with
// the cache flow back into the prefix tensors.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace amem::models {

// Per-layer key/value prefixes, each [batch, kv_heads, prefix_len, head_dim].
struct Prefix {
  std::vector<torch::Tensor> keys, values;
  int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
};

class KvCache {
 public:
  KvCache() = default;
  static KvCache from_prefix(const Prefix& prefix);

  // Appends this step's keys/values [B, Hkv, L, D] for `layer` and returns all of them.
  std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& keys,
                                                 const torch::Tensor& values);
  // Positions cached so far (prefix included).
  int64_t length() const { return keys_.empty() || !keys_[0].defined() ? 0 : keys_[0].size(2); }
  // Keeps, for each row, the cache of row `rows[i]` (beam search reorders beams every step).
  void select_rows(const torch::Tensor& rows);
  // Repeats every row `times` times in place (a batch entering beam search).
  void repeat_rows(int64_t times);

 private:
  std::vector<torch::Tensor> keys_, values_;
};

}  // namespace amem::models
