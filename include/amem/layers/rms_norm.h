// Root-mean-square layer norm: x / sqrt(mean(x²) + eps) · weight, no centring, no bias.
// LLaMA calls it RMSNorm; T5 calls the same operation T5LayerNorm. Computed in float32 and
// cast back, as both reference implementations do, so bf16 weights give the same result.
//
// Fused (set_fused_rms_norm; mac.fused_rms_norm for MAC's T5s): a float32 input with float32
// weights goes through LibTorch's at::rms_norm, which runs one fused CUDA kernel forward and
// one backward (_fused_rms_norm, LibTorch >= 2.9; a composite of the same steps before)
// instead of the reference's five elementwise and reduction kernels and their backwards: on the
// gpt2-xl MAC step (T5-large + T5-base, H200) the replayed step went 0.172 -> 0.161 s. The same
// formula; the mean is summed in another order (float32 rounding). Other dtypes keep the
// reference's steps.
#pragma once

#include <torch/torch.h>

namespace amem::layers {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);

  // Whether float32 inputs go through at::rms_norm (see above); off by default.
  void set_fused(bool fused) { fused_ = fused; }
  bool fused() const { return fused_; }

  torch::Tensor weight;

 private:
  double eps_;
  bool fused_ = false;
};
TORCH_MODULE(RMSNorm);

// Whether this build has at::rms_norm (LibTorch >= 2.4).
bool fused_rms_norm_available();
// set_fused(fused) on every RMSNorm in `root` and below; std::logic_error when fused and the
// build lacks at::rms_norm (configs refuse it first).
void set_fused_rms_norm(torch::nn::Module& root, bool fused);

}  // namespace amem::layers
