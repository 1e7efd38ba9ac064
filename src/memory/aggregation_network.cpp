#include "amem/memory/aggregation_network.h"

namespace amem::memory {

AggregationNetworkImpl::AggregationNetworkImpl(models::AmortizationNetwork encoder, const AggregationOptions& options) {
  TORCH_CHECK(options.num_blocks >= 1, "AggregationNetwork: at least one cross-attention block");
  question_encoder = register_module("question_encoder", encoder);
  const int64_t dim = question_encoder->token_mlps->options().out;
  auto list = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.num_blocks; ++i) {
    blocks.push_back(layers::CrossAttentionBlock(
        layers::CrossAttentionBlockOptions{dim, dim, options.heads, options.head_dim, options.dropout}));
    list->push_back(blocks.back());
  }
}

torch::Tensor AggregationNetworkImpl::encode_questions(const torch::Tensor& ids, const torch::Tensor& mask) {
  return question_encoder(ids, mask);
}

torch::Tensor AggregationNetworkImpl::attend(const torch::Tensor& queries, const torch::Tensor& memory) {
  TORCH_CHECK(memory.dim() == 4 && memory.size(3) == queries.size(2),
              "AggregationNetwork: memory ", memory.sizes(), " does not fit queries ", queries.sizes());
  // Entries side by side: every query token can read every token of every entry.
  const auto flat = memory.reshape({memory.size(0), memory.size(1) * memory.size(2), memory.size(3)});
  auto x = queries;
  for (auto& block : blocks) x = block(x, flat);
  return x;
}

torch::Tensor AggregationNetworkImpl::forward(const torch::Tensor& ids, const torch::Tensor& mask,
                                              const torch::Tensor& bank) {
  return attend(encode_questions(ids, mask), bank.unsqueeze(0));
}

}  // namespace amem::memory
