// A two-layer net (tensors of 35, 7, 21 and 3 elements) for the optimiser tests, and a copy of
// one net's parameters into another, so that two optimisers start from the same point.
#pragma once

#include <torch/torch.h>

namespace amem::testing {

struct TwoLayerNet : torch::nn::Module {
  TwoLayerNet() {
    a = register_module("a", torch::nn::Linear(5, 7));
    b = register_module("b", torch::nn::Linear(7, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b(torch::tanh(a(x))); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};

inline void copy_parameters(TwoLayerNet& from, TwoLayerNet& to) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < from.parameters().size(); ++i) to.parameters()[i].copy_(from.parameters()[i]);
}

}  // namespace amem::testing
