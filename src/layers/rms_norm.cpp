#include "amem/layers/rms_norm.h"

namespace amem::layers {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  // Like the references: normalise in float32, return to the input's precision, then scale.
  return weight * h.to(x.scalar_type());
}

}  // namespace amem::layers
