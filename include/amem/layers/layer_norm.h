// Layer normalisation, (x - mean) / sqrt(var + eps) · weight + bias over the last dimension
// (torch.nn.LayerNorm; GPT-2's ln_1, ln_2, ln_f), that keeps a bf16 model's activations in bf16
// under autocast.
//
// Why not torch::nn::LayerNorm: autocast runs layer_norm in float32, so a bf16 model under
// train.bf16_autocast copies every normalised activation to float32 and back (the next GEMM casts
// the float32 output to bf16 again): two casts of the hidden states per norm. In a gpt2-xl MAC
// step's metric forwards (2 x 8 x 512 tokens, H200) the casts took 9.4 ms and the norms 5.4 ms
// of GPU time; with this layer, 3.0 and 3.4 ms (the rest of those copies are other casts). When
// the input and the weights already share a reduced dtype, this norm runs in it, as it would
// without autocast; LibTorch's kernel accumulates the mean and variance in float32 either way,
// so the bf16 values the next GEMM reads are the same but for the order of those float32 sums.
// Float32 inputs or weights (the reference's float32 base LM under autocast) take autocast's
// float32 norm, unchanged.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace amem::layers {

class LayerNormImpl : public torch::nn::Module {
 public:
  // weight [dim] (ones), bias [dim] (zeros); uninitialised under a SkipInitGuard (skip_init.h).
  LayerNormImpl(int64_t dim, double eps);
  // x [..., dim] -> [..., dim]
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  std::vector<int64_t> shape_;
  double eps_;
};
TORCH_MODULE(LayerNorm);

}  // namespace amem::layers
