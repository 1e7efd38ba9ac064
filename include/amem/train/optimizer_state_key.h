// The key LibTorch's optimisers file a parameter's state under (Optimizer::state()): the
// parameter's TensorImpl address printed as a string in 1.x, the address itself in 2.x. The
// key type is read off the optimiser's map, so one spelling serves both versions.
#pragma once

#include <torch/torch.h>

#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace amem::train {

using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

// A template so that the branch of the other LibTorch version is discarded, not compiled.
template <class Key = OptimizerStateKey>
Key optimizer_state_key(const torch::Tensor& parameter) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << parameter.unsafeGetTensorImpl();
    return key.str();
  } else {
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
  }
}

}  // namespace amem::train
