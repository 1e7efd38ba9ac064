#include "amem/layers/rms_norm.h"

#include <stdexcept>

// at::rms_norm arrived in LibTorch 2.4 (its fused CUDA kernel in 2.9).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define AMEM_HAS_RMS_NORM 1
#endif

namespace amem::layers {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
#ifdef AMEM_HAS_RMS_NORM
  if (fused_ && x.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32)
    return at::rms_norm(x, {weight.size(0)}, weight, eps_);
#endif
  auto h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  // Like the references: normalise in float32, return to the input's precision, then scale.
  return weight * h.to(x.scalar_type());
}

bool fused_rms_norm_available() {
#ifdef AMEM_HAS_RMS_NORM
  return true;
#else
  return false;
#endif
}

void set_fused_rms_norm(torch::nn::Module& root, bool fused) {
  if (fused && !fused_rms_norm_available()) throw std::logic_error("set_fused_rms_norm: this build has no at::rms_norm");
  if (auto* norm = dynamic_cast<RMSNormImpl*>(&root)) norm->set_fused(fused);
  for (const auto& m : root.modules(/*include_self=*/false))
    if (auto* norm = dynamic_cast<RMSNormImpl*>(m.get())) norm->set_fused(fused);
}

}  // namespace amem::layers
