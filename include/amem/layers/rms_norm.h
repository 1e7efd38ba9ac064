// Root-mean-square layer norm: x / sqrt(mean(x²) + eps) · weight, no centring, no bias.
// LLaMA calls it RMSNorm; T5 calls the same operation T5LayerNorm. Computed in float32 and
// cast back, as both reference implementations do, so bf16 weights give the same result.
#pragma once

#include <torch/torch.h>

namespace amem::layers {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

}  // namespace amem::layers
