// Activation checkpointing (layers/activation_checkpoint.h) and the T5 encoder's use of it: with
// dropout on and a fixed seed, the checkpointed forward and backward must give the plain run's
// output, every parameter's gradient and the generator's next draw, bit for bit on CPU.
#include "amem/layers/activation_checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "amem/models/t5.h"

namespace {

amem::models::T5Config small_t5() {
  amem::models::T5Config c;
  c.vocab_size = 50;
  c.d_model = 16;
  c.d_kv = 4;
  c.d_ff = 24;
  c.num_layers = c.num_decoder_layers = 3;
  c.num_heads = 4;
  c.relative_attention_num_buckets = 8;
  c.relative_attention_max_distance = 16;
  c.layer_norm_epsilon = 1e-6;
  c.dropout_rate = 0.2;  // dropout everywhere T5 has it: the recomputation must replay its masks
  c.activation = "relu";
  return c;
}

struct EncoderRun {
  torch::Tensor loss, next_draw;
  std::vector<std::pair<std::string, torch::Tensor>> grads;
};

// A seeded forward and backward through `model`'s encoder (padding in the second row), then one
// more draw from the generator (the stream must continue as without checkpointing).
EncoderRun encode_and_backward(amem::models::T5ForConditionalGeneration& model, uint64_t seed) {
  const auto ids = torch::tensor({{5, 9, 13, 2, 7, 1}, {4, 8, 1, 0, 0, 0}}, torch::kLong);
  const auto mask = (ids != 0).to(torch::kLong);
  model->zero_grad();
  torch::manual_seed(seed);
  const auto encoded = model->encode(ids, mask);
  EncoderRun run;
  run.loss = (encoded.tanh() * torch::linspace(-1, 1, encoded.size(-1))).sum();
  run.loss.backward();
  run.next_draw = torch::rand({4});
  for (const auto& p : model->named_parameters())
    if (p.key().rfind("encoder.", 0) == 0 || p.key() == "shared.weight") run.grads.emplace_back(p.key(), p.value().grad());
  return run;
}

TEST(ActivationCheckpoint, T5EncoderGivesThePlainRunsLossGradientsAndRandomStreamBitForBit) {
  torch::manual_seed(0);
  amem::models::T5ForConditionalGeneration model(small_t5());
  model->train();
  const auto plain = encode_and_backward(model, 11);
  model->encoder->set_activation_checkpointing(true);
  const auto checkpointed = encode_and_backward(model, 11);

  EXPECT_TRUE(torch::equal(plain.loss, checkpointed.loss)) << plain.loss.item<double>() << " vs " << checkpointed.loss.item<double>();
  EXPECT_TRUE(torch::equal(plain.next_draw, checkpointed.next_draw)) << "the generator's stream moved";
  ASSERT_EQ(plain.grads.size(), checkpointed.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i) {
    const auto& [name, g] = plain.grads[i];
    ASSERT_TRUE(g.defined()) << name;
    ASSERT_TRUE(checkpointed.grads[i].second.defined()) << name << " got no gradient when checkpointed";
    EXPECT_TRUE(torch::equal(g, checkpointed.grads[i].second))
        << name << " differs by " << (g - checkpointed.grads[i].second).abs().max().item<double>();
  }
  // The test can fail: dropout draws differ with another seed, so a recomputation that did not
  // replay the generator would give other gradients.
  const auto reseeded = encode_and_backward(model, 12);
  EXPECT_FALSE(torch::equal(plain.loss, reseeded.loss));
}

TEST(ActivationCheckpoint, RecomputesInBackwardAndRunsOnceWithoutGradients) {
  int calls = 0;
  const auto weight = torch::randn({3, 3}).requires_grad_(true);
  const auto function = [&](const std::vector<torch::Tensor>& in) {
    ++calls;
    return torch::dropout(torch::matmul(in[0], weight).relu(), 0.5, true);
  };
  const auto x = torch::randn({4, 3}).requires_grad_(true);

  torch::manual_seed(3);
  function({x}).pow(2).sum().backward();
  const auto plain_x = x.grad().clone(), plain_w = weight.grad().clone();
  x.mutable_grad().reset();
  weight.mutable_grad().reset();
  calls = 0;

  torch::manual_seed(3);
  const auto out = amem::layers::checkpoint(function, {x}, {weight});
  EXPECT_EQ(calls, 1);
  out.pow(2).sum().backward();
  EXPECT_EQ(calls, 2) << "backward must recompute the function";
  EXPECT_TRUE(torch::equal(x.grad(), plain_x));
  EXPECT_TRUE(torch::equal(weight.grad(), plain_w));

  calls = 0;
  torch::NoGradGuard no_grad;
  EXPECT_FALSE(amem::layers::checkpoint(function, {x}, {weight}).requires_grad());
  EXPECT_EQ(calls, 1);
}

}  // namespace
