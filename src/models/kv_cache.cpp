#include "amem/models/kv_cache.h"

namespace amem::models {

KvCache KvCache::from_prefix(const Prefix& prefix) {
  TORCH_CHECK(prefix.keys.size() == prefix.values.size(), "prefix: keys and values differ in layers");
  KvCache cache;
  cache.keys_ = prefix.keys;
  cache.values_ = prefix.values;
  return cache;
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(size_t layer, const torch::Tensor& keys,
                                                        const torch::Tensor& values) {
  if (keys_.size() <= layer) {
    keys_.resize(layer + 1);
    values_.resize(layer + 1);
  }
  if (keys_[layer].defined()) {
    keys_[layer] = torch::cat({keys_[layer].to(keys.scalar_type()), keys}, 2);
    values_[layer] = torch::cat({values_[layer].to(values.scalar_type()), values}, 2);
  } else {
    keys_[layer] = keys;
    values_[layer] = values;
  }
  return {keys_[layer], values_[layer]};
}

void KvCache::select_rows(const torch::Tensor& rows) {
  for (auto* list : {&keys_, &values_})
    for (auto& t : *list)
      if (t.defined()) t = t.index_select(0, rows);
}

void KvCache::repeat_rows(int64_t times) {
  for (auto* list : {&keys_, &values_})
    for (auto& t : *list)
      if (t.defined()) t = t.repeat_interleave(times, 0);
}

}  // namespace amem::models
