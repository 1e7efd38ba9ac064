#include "amem/layers/attention.h"

#include <limits>

namespace amem::layers {

namespace {

// Grouped-query attention stores fewer key/value heads; repeat each to serve its group of
// query heads. A no-op (no copy) for ordinary multi-head attention.
torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups) {
  if (groups == 1) return x;
  const auto B = x.size(0), Hkv = x.size(1), L = x.size(2), D = x.size(3);
  return x.unsqueeze(2).expand({B, Hkv, groups, L, D}).reshape({B, Hkv * groups, L, D});
}

int64_t group_count(const torch::Tensor& q, const torch::Tensor& k) {
  TORCH_CHECK(q.size(1) % k.size(1) == 0, "attention: ", q.size(1),
              " query heads are not a multiple of ", k.size(1), " key/value heads");
  return q.size(1) / k.size(1);
}

thread_local bool plain_path_only = false;

}  // namespace

TwiceDifferentiableAttention::TwiceDifferentiableAttention() : previous_(plain_path_only) { plain_path_only = true; }
TwiceDifferentiableAttention::~TwiceDifferentiableAttention() { plain_path_only = previous_; }

torch::Tensor attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, const std::optional<torch::Tensor>& bias,
                                  double scale, double dropout_p) {
  const int64_t groups = group_count(q, k);
  const auto keys = repeat_kv(k, groups), values = repeat_kv(v, groups);
  // float32 for half precision; float64 inputs (gradient checks) stay float64.
  const auto score_type = at::promote_types(q.scalar_type(), torch::kFloat32);
  auto scores = torch::matmul(q, keys.transpose(-1, -2)).to(score_type);
  if (scale != 1.0) scores = scores * scale;
  if (bias) scores = scores + bias->to(score_type);
  auto probs = torch::softmax(scores, -1).to(q.scalar_type());
  if (dropout_p > 0) probs = torch::dropout(probs, dropout_p, /*train=*/true);
  return torch::matmul(probs, values);
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const std::optional<torch::Tensor>& bias, double scale, double dropout_p) {
#if TORCH_VERSION_MAJOR >= 2
  if (plain_path_only) return attention_reference(q, k, v, bias, scale);
  const int64_t groups = group_count(q, k);
  std::optional<torch::Tensor> mask;
  if (bias) mask = bias->to(q.scalar_type());
  return at::scaled_dot_product_attention(q, repeat_kv(k, groups), repeat_kv(v, groups), mask,
                                          dropout_p, /*is_causal=*/false, scale);
#else
  return attention_reference(q, k, v, bias, scale, dropout_p);
#endif
}

torch::Tensor attention_bias(const torch::Tensor& key_mask, int64_t q_len, bool causal,
                             torch::ScalarType dtype) {
  const auto opts = torch::TensorOptions().dtype(torch::kBool).device(key_mask.device());
  const int64_t k_len = key_mask.size(1);
  // allowed[b, 0, i, j]: key j is a real token, and (causal) not after query i.
  auto allowed = key_mask.to(torch::kBool).view({key_mask.size(0), 1, 1, k_len});
  if (causal) {
    auto rows = torch::arange(q_len, opts.dtype(torch::kLong)).view({q_len, 1}) + (k_len - q_len);
    auto cols = torch::arange(k_len, opts.dtype(torch::kLong)).view({1, k_len});
    allowed = allowed & (cols <= rows).view({1, 1, q_len, k_len});
  } else {
    allowed = allowed.expand({key_mask.size(0), 1, q_len, k_len});
  }
  const auto float_opts = torch::TensorOptions().dtype(dtype).device(key_mask.device());
  const double lowest = dtype == torch::kFloat64 ? std::numeric_limits<double>::lowest()
                        : dtype == torch::kFloat32 ? std::numeric_limits<float>::lowest()
                                                   : -3.3895313892515355e38;  // bfloat16 lowest
  auto bias = torch::zeros(allowed.sizes(), float_opts);
  return bias.masked_fill(allowed.logical_not(), dtype == torch::kFloat16 ? -65504.0 : lowest);
}

}  // namespace amem::layers
