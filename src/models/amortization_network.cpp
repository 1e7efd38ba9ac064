#include "amem/models/amortization_network.h"

namespace amem::models {

AmortizationNetworkImpl::AmortizationNetworkImpl(T5ForConditionalGeneration t5_model, int64_t num_tokens,
                                                 int64_t output_dim, bool decoder_masks_padding)
    : decoder_masks_padding_(decoder_masks_padding) {
  TORCH_CHECK(num_tokens > 0 && output_dim > 0, "AmortizationNetwork: sizes must be positive");
  if (t5_model->lm_head) t5_model->unregister_module("lm_head");
  t5 = register_module("t5", t5_model);
  const int64_t width = t5->config().d_model;
  queries = register_parameter("queries", torch::randn({1, num_tokens, width}) * 0.02);
  token_mlps = register_module(
      "token_mlps", layers::TokenMlpBank(layers::TokenMlpBankOptions{num_tokens, width, output_dim, output_dim,
                                                                     [](const torch::Tensor& x) { return torch::tanh(x); }}));
}

torch::Tensor AmortizationNetworkImpl::forward(const torch::Tensor& ids, const torch::Tensor& mask) {
  const auto encoded = t5->encode(ids, mask);
  const auto queries_per_row = queries.to(encoded.scalar_type()).expand({ids.size(0), -1, -1});
  const auto decoder_mask = decoder_masks_padding_ ? mask : torch::ones_like(mask);
  return token_mlps(t5->decode_embeds(queries_per_row, encoded, decoder_mask));
}

}  // namespace amem::models
