#include "amem/layers/token_mlp_bank.h"

#include <gtest/gtest.h>

#include "amem/layers/cross_attention_block.h"

namespace {

using amem::layers::TokenMlpBank;
using amem::layers::TokenMlpBankOptions;

torch::Tensor tanh_activation(const torch::Tensor& x) { return torch::tanh(x); }

// Token i through its own LayerNorm and Linear layers, written out one token at a time.
torch::Tensor one_token(TokenMlpBank& bank, const torch::Tensor& x, int64_t i) {
  auto& b = *bank;
  auto h = torch::layer_norm(x, {x.size(-1)}, b.norm_weight[i], b.norm_bias[i]);
  h = torch::tanh(torch::matmul(h, b.hidden_weight[i]) + b.hidden_bias[i]);
  auto y = torch::matmul(h, b.output_weight[i]) + b.output_bias[i];
  return y + (b.skip_weight.defined() ? torch::matmul(x, b.skip_weight[i]) + b.skip_bias[i] : x);
}

TEST(TokenMlpBank, EachTokenGoesThroughItsOwnMlp) {
  torch::manual_seed(0);
  for (const int64_t out : {5, 7}) {  // widths that differ (linear skip) and agree (identity)
    SCOPED_TRACE(out);
    TokenMlpBank bank(TokenMlpBankOptions{3, 7, 4, out, tanh_activation});
    for (auto& p : bank->parameters()) p.data().normal_();  // not the init: LayerNorm affine matters
    const auto x = torch::randn({2, 3, 7});
    const auto y = bank(x);
    ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, out}));
    EXPECT_EQ(bank->skip_weight.defined(), out != 7);
    for (int64_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(torch::allclose(y.select(1, i), one_token(bank, x.select(1, i), i), 1e-5, 1e-5)) << "token " << i;
    }
  }
}

TEST(TokenMlpBank, StartsAsTorchLinearLayersDo) {
  torch::manual_seed(0);
  TokenMlpBank bank(TokenMlpBankOptions{4, 100, 25, 9, tanh_activation});
  EXPECT_TRUE(torch::equal(bank->norm_weight, torch::ones({4, 100})));
  EXPECT_LE(bank->hidden_weight.abs().max().item<double>(), 0.1);   // 1/sqrt(100)
  EXPECT_GT(bank->hidden_weight.abs().max().item<double>(), 0.09);
  EXPECT_LE(bank->output_weight.abs().max().item<double>(), 0.2);   // 1/sqrt(25)
  EXPECT_GT(bank->output_weight.abs().max().item<double>(), 0.18);
}

TEST(CrossAttentionBlock, MatchesTheBlockWrittenOut) {
  torch::manual_seed(0);
  amem::layers::CrossAttentionBlock block(amem::layers::CrossAttentionBlockOptions{8, 8, 2, 3, 0.0});
  const auto x = torch::randn({2, 4, 8}), memory = torch::randn({2, 5, 8});
  const auto y = block(x, memory);

  // The same maths from the named parameters.
  auto params = block->named_parameters();
  auto ln = [&](const torch::Tensor& t, const std::string& name) {
    return torch::layer_norm(t, {8}, params[name + ".weight"], params[name + ".bias"]);
  };
  auto lin = [&](const torch::Tensor& t, const std::string& name) {
    auto out = torch::matmul(t, params[name + ".weight"].t());
    return params.contains(name + ".bias") ? out + params[name + ".bias"] : out;
  };
  auto heads = [](const torch::Tensor& t) { return t.view({2, -1, 2, 3}).transpose(1, 2); };
  const auto q = heads(lin(ln(x, "norm_query"), "to_q"));
  const auto k = heads(lin(ln(memory, "norm_memory"), "to_k"));
  const auto v = heads(lin(ln(memory, "norm_memory"), "to_v"));
  const auto att = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(3.0), -1);
  const auto h = x + lin(torch::matmul(att, v).transpose(1, 2).reshape({2, 4, 6}), "to_out");
  // MLP hidden width: heads x head_dim = 6 < 8.
  EXPECT_EQ(params["mlp_in.weight"].size(0), 6);
  const auto expected = h + lin(torch::gelu(lin(ln(h, "norm_mlp"), "mlp_in")), "mlp_out");
  EXPECT_TRUE(torch::allclose(y, expected, 1e-5, 1e-5));
}

TEST(CrossAttentionBlock, SharedMemoryEqualsTheMemoryRepeatedPerRow) {
  torch::manual_seed(0);
  amem::layers::CrossAttentionBlock block(amem::layers::CrossAttentionBlockOptions{16, 16, 4, 8, 0.0});
  const auto x = torch::randn({3, 2, 16}), memory = torch::randn({1, 6, 16});
  EXPECT_TRUE(torch::allclose(block(x, memory), block(x, memory.expand({3, 6, 16})), 1e-5, 1e-6));
  // The MLP is as wide as the model when heads x head_dim (32) is wider.
  EXPECT_EQ(block->named_parameters()["mlp_in.weight"].size(0), 16);
}

}  // namespace
