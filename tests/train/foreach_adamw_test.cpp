// ForeachAdamW and clip_grad_norm_foreach against LibTorch's per-parameter AdamW and
// clip_grad_norm_: on CPU the foreach kernels run the same per-tensor arithmetic, so parameters,
// moments and norms must agree bit for bit over several steps with weight decay and clipping.
#include "amem/train/foreach_adamw.h"
#include "amem/train/optimizer_state_key.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace {

struct Net : torch::nn::Module {
  Net() {
    a = register_module("a", torch::nn::Linear(5, 7));
    b = register_module("b", torch::nn::Linear(7, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b(torch::tanh(a(x))); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};

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

TEST(ForeachAdamW, EqualsLibTorchAdamWAndClippingBitForBitOnCpu) {
  const auto options = torch::optim::AdamWOptions(1e-2).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.1);
  torch::manual_seed(0);
  Net plain_net;
  Net foreach_net;
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < plain_net.parameters().size(); ++i)
      foreach_net.parameters()[i].copy_(plain_net.parameters()[i]);
  }
  torch::optim::AdamW plain(plain_net.parameters(), options);
  amem::train::ForeachAdamW foreach_adamw(foreach_net.parameters(), options);
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
