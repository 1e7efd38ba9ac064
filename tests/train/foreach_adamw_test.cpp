// ForeachAdamW and clip_grad_norm_foreach against LibTorch's per-parameter AdamW and
// clip_grad_norm_: on CPU the foreach kernels run the same per-tensor arithmetic, so parameters,
// moments and norms must agree bit for bit over several steps with weight decay and clipping,
// however the parameters are split into lists. bfloat16 moments (train.optimizer_state_dtype):
// a hand-worked update, and the same result in lists or one parameter at a time.
#include "amem/train/foreach_adamw.h"
#include "amem/train/optimizer_state_key.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <typeinfo>
#include <vector>

#include "support/two_layer_net.h"

namespace {

using Net = amem::testing::TwoLayerNet;
using amem::testing::copy_parameters;

// Trains a copy of the same seeded net for `steps` steps with the given optimiser and clipping;
// returns its parameters, the optimiser (for its state) and the gradient norms seen.
template <class Optimizer, class Clip>
std::vector<double> train(Net& net, Optimizer& optimizer, Clip clip, int steps) {
  std::vector<double> norms;
  for (int i = 0; i < steps; ++i) {
    torch::manual_seed(100 + i);
    const auto x = torch::randn({4, 5}) * (i + 1);  // growing inputs: later steps are clipped
    optimizer.zero_grad();
    net.forward(x).pow(2).sum().backward();
    norms.push_back(clip(net.parameters()));
    optimizer.step();
  }
  return norms;
}

const torch::optim::AdamWOptions kOptions = torch::optim::AdamWOptions(1e-2).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.1);

const torch::optim::AdamWParamState& state_of(torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
  return static_cast<const torch::optim::AdamWParamState&>(*optimizer.state().at(amem::train::optimizer_state_key(p)));
}

// Lists of at most `elements` elements (the net's tensors have 35, 7, 21 and 3).
void expect_equals_libtorch_adamw(int64_t elements) {
  const auto options = kOptions;
  torch::manual_seed(0);
  Net plain_net;
  Net foreach_net;
  copy_parameters(plain_net, foreach_net);
  torch::optim::AdamW plain(plain_net.parameters(), options);
  amem::train::ForeachAdamWOptions layout;
  layout.elements_per_update = elements;
  amem::train::ForeachAdamW foreach_adamw(foreach_net.parameters(), options, layout);
  const double max_norm = 1.0;
  const auto plain_norms =
      train(plain_net, plain, [&](auto ps) { return torch::nn::utils::clip_grad_norm_(ps, max_norm); }, 6);
  const auto foreach_norms =
      train(foreach_net, foreach_adamw, [&](auto ps) { return amem::train::clip_grad_norm_foreach(ps, max_norm); }, 6);

  ASSERT_EQ(plain_norms, foreach_norms);
  EXPECT_GT(plain_norms.back(), max_norm) << "the test must exercise clipping";
  const auto plain_parameters = plain_net.parameters(), foreach_parameters = foreach_net.parameters();
  for (size_t i = 0; i < plain_parameters.size(); ++i) {
    const auto& p = plain_parameters[i];
    const auto& q = foreach_parameters[i];
    EXPECT_TRUE(torch::equal(p, q)) << "parameter " << i << " differs by " << (p - q).abs().max().item<double>();
    const auto& s = static_cast<torch::optim::AdamWParamState&>(*plain.state().at(amem::train::optimizer_state_key(p)));
    const auto& t = static_cast<torch::optim::AdamWParamState&>(*foreach_adamw.state().at(amem::train::optimizer_state_key(q)));
    EXPECT_EQ(s.step(), t.step());
    EXPECT_TRUE(torch::equal(s.exp_avg(), t.exp_avg())) << i;
    EXPECT_TRUE(torch::equal(s.exp_avg_sq(), t.exp_avg_sq())) << i;
  }
}

TEST(ForeachAdamW, EqualsLibTorchAdamWAndClippingBitForBitOnCpu) { expect_equals_libtorch_adamw(int64_t(1) << 25); }

TEST(ForeachAdamW, EqualsLibTorchAdamWInListsOfAnySize) {
  expect_equals_libtorch_adamw(1);   // one parameter per update
  expect_equals_libtorch_adamw(40);  // {35}, {7, 21}, {3}
}

// bfloat16 of a float, rounded to nearest even (by hand, not through torch's conversion).
float bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  bits &= 0xFFFF0000u;
  std::memcpy(&x, &bits, 4);
  return x;
}

TEST(ForeachAdamW, Bf16MomentsAreComputedInFloat32AndStoredRounded) {
  // Two steps by hand. Each step reads the stored (rounded) moments, updates them in float32,
  // steps the parameter with the float32 moments and stores them rounded to bfloat16.
  const double lr = 0.1, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const std::vector<float> g = {0.3f, -0.7f, 1e-3f};
  auto p = torch::tensor({1.0f, -0.5f, 2.0f}).requires_grad_(true);
  auto optimizer = amem::train::make_adamw({p}, torch::optim::AdamWOptions(lr).betas({b1, b2}).eps(eps).weight_decay(wd),
                                           /*foreach=*/false, torch::kBFloat16);
  std::vector<float> m(3, 0.0f), v(3, 0.0f);
  bool rounded = false;
  for (int step = 1; step <= 2; ++step) {
    p.mutable_grad() = torch::tensor(g);
    const auto before = p.detach().clone();
    optimizer->step();
    const auto& state = state_of(*optimizer, p);
    ASSERT_EQ(state.exp_avg().scalar_type(), torch::kBFloat16);
    ASSERT_EQ(state.exp_avg_sq().scalar_type(), torch::kBFloat16);
    const double c1 = 1 - std::pow(b1, step), c2 = 1 - std::pow(b2, step);
    for (int64_t i = 0; i < 3; ++i) {
      const float m32 = float(b1) * m[i] + float(1 - b1) * g[i];
      const float v32 = float(b2) * v[i] + float(1 - b2) * g[i] * g[i];
      const double decayed = before[i].item<double>() * (1 - lr * wd);
      const double stepped = decayed - lr * (m32 / c1) / (std::sqrt(v32) / std::sqrt(c2) + eps);
      EXPECT_NEAR(p[i].item<double>(), stepped, 1e-6) << "step " << step << ", element " << i;
      m[i] = bf16(m32);
      v[i] = bf16(v32);
      rounded = rounded || m[i] != m32 || v[i] != v32;
      EXPECT_EQ(state.exp_avg()[i].item<float>(), m[i]) << "step " << step << ", element " << i;
      EXPECT_EQ(state.exp_avg_sq()[i].item<float>(), v[i]) << "step " << step << ", element " << i;
    }
  }
  EXPECT_TRUE(rounded) << "the test must exercise rounding";
}

TEST(ForeachAdamW, Bf16MomentsAreTheSameInListsAndOneParameterAtATime) {
  torch::manual_seed(0);
  Net one_net, lists_net;
  copy_parameters(one_net, lists_net);
  auto one = amem::train::make_adamw(one_net.parameters(), kOptions, /*foreach=*/false, torch::kBFloat16);
  auto lists = amem::train::make_adamw(lists_net.parameters(), kOptions, /*foreach=*/true, torch::kBFloat16);
  const auto clip = [](auto ps) { return torch::nn::utils::clip_grad_norm_(ps, 1.0); };
  train(one_net, *one, clip, 4);
  train(lists_net, *lists, clip, 4);
  const auto one_parameters = one_net.parameters(), lists_parameters = lists_net.parameters();
  for (size_t i = 0; i < one_parameters.size(); ++i) {
    const auto& p = one_parameters[i];
    const auto& q = lists_parameters[i];
    EXPECT_TRUE(torch::equal(p, q)) << i;
    EXPECT_TRUE(torch::equal(state_of(*one, p).exp_avg(), state_of(*lists, q).exp_avg())) << i;
    EXPECT_TRUE(torch::equal(state_of(*one, p).exp_avg_sq(), state_of(*lists, q).exp_avg_sq())) << i;
    EXPECT_EQ(state_of(*one, p).exp_avg().scalar_type(), torch::kBFloat16);
  }
}

TEST(ForeachAdamW, MakeAdamwKeepsLibTorchsAdamWForFloat32MomentsWithoutForeach) {
  Net net;
  EXPECT_EQ(typeid(*amem::train::make_adamw(net.parameters(), kOptions, false, torch::kFloat32)), typeid(torch::optim::AdamW));
  EXPECT_THROW(amem::train::ForeachAdamW(net.parameters(), kOptions, {torch::kFloat16}), std::invalid_argument);
}

TEST(ForeachAdamW, ParametersWithoutGradientsAreLeftAloneAndNoGradientsGiveANormOfZero) {
  torch::manual_seed(1);
  Net net;
  const auto before = net.b->weight.clone();
  amem::train::ForeachAdamW optimizer(net.parameters(), torch::optim::AdamWOptions(1e-2));
  net.a->forward(torch::randn({2, 5})).sum().backward();  // only `a` gets gradients
  optimizer.step();
  EXPECT_TRUE(torch::equal(net.b->weight, before));
  EXPECT_EQ(optimizer.state().count(amem::train::optimizer_state_key(net.b->weight)), 0u);
  EXPECT_EQ(amem::train::clip_grad_norm_foreach(net.b->parameters(), 1.0), 0.0);
}

}  // namespace
