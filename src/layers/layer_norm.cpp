#include "amem/layers/layer_norm.h"

#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <optional>

#include "amem/layers/skip_init.h"

namespace amem::layers {

LayerNormImpl::LayerNormImpl(int64_t dim, double eps) : shape_({dim}), eps_(eps) {
  weight = register_parameter("weight", new_parameter({dim}, [&] { return torch::ones({dim}); }));
  bias = register_parameter("bias", new_parameter({dim}, [&] { return torch::zeros({dim}); }));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  const auto dtype = x.scalar_type();
  const bool reduced = dtype == torch::kBFloat16 || dtype == torch::kHalf;
  // Past autocast's float32 cast (autograd still records): the norm in the model's dtype.
  std::optional<c10::impl::ExcludeDispatchKeyGuard> no_autocast;
  if (reduced && weight.scalar_type() == dtype && bias.scalar_type() == dtype)
    no_autocast.emplace(c10::autocast_dispatch_keyset);
  return torch::layer_norm(x, shape_, weight, bias, eps_);
}

}  // namespace amem::layers
