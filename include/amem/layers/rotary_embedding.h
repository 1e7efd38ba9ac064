// Rotary position embedding (RoPE) of the LLaMA family: each pair of query/key channels is
// rotated by an angle proportional to the token's position, so attention scores depend on
// relative positions. Hugging Face pairs channel i with channel i + head_dim/2 ("rotate_half").
#pragma once

#include <torch/torch.h>

#include <string>

namespace amem::layers {

struct RopeScaling {
  // "default" (none), "linear" (positions divided by factor), "llama3" (frequency-dependent).
  std::string type = "default";
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  int64_t original_max_position_embeddings = 8192;       // llama3
};

class RotaryEmbeddingImpl : public torch::nn::Module {
 public:
  RotaryEmbeddingImpl(int64_t head_dim, double theta, const RopeScaling& scaling);

  // Rotates q [B, H, L, D] and k [B, Hkv, L, D] for positions [B, L]. The angles are computed
  // in float32 and the result is cast back, as the reference does.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& positions);

 private:
  // [D/2] float32 angular frequencies. Not a buffer: checkpoints do not store it, and it is
  // moved to the inputs' device on use.
  torch::Tensor inv_freq_;
};
TORCH_MODULE(RotaryEmbedding);

}  // namespace amem::layers
