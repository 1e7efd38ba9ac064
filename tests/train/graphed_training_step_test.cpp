// train.cuda_graph's pieces against the loop's eager step. CapturableAdamW: LibTorch's AdamW to
// float rounding (its bias corrections are float32 on the device), every step count advanced.
// GraphedTrainingStep on CPU, where nothing can be recorded: every step eager, the same step as
// the loop's (zero, accumulate, clip, AdamW) over new shapes too. On CUDA (skipped elsewhere):
// a recorded and replayed step gives what an eager one gives, and a new shape records again.
// MAC's training with train.cuda_graph is refused where it cannot record, naming the key.
// train.fused_optimizer (CapturableAdamW's fused update): LibTorch's AdamW to float rounding,
// eager and recorded, and refused where the build or the config cannot have it.
#include "amem/train/graphed_training_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "amem/methods/mac/mac_training_task.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/optimizer_state_key.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/error_of.h"
#include "support/fixed_shape_mac_training.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"

#include "support/two_layer_net.h"

namespace {

using Net = amem::testing::TwoLayerNet;
using amem::testing::copy_parameters;

const auto kOptions = torch::optim::AdamWOptions(1e-2).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.1);

// The largest difference between two lists of tensors, relative to the first's largest value.
double relative_difference(const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& y) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    worst = std::max(worst, (x[i] - y[i]).abs().max().item<double>());
    scale = std::max(scale, x[i].abs().max().item<double>());
  }
  return worst / scale;
}

std::vector<torch::Tensor> gradients_of(Net& net) {
  std::vector<torch::Tensor> out;
  for (const auto& p : net.parameters()) out.push_back(p.grad());
  return out;
}

// The same between two nets' parameters, and between their gradients.
double relative_difference(Net& x, Net& y) { return relative_difference(x.parameters(), y.parameters()); }
double gradient_difference(Net& x, Net& y) { return relative_difference(gradients_of(x), gradients_of(y)); }

int64_t step_of(torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
  return static_cast<torch::optim::AdamWParamState&>(*optimizer.state().at(amem::train::optimizer_state_key(p))).step();
}

// Step i's micro-batches: `count` inputs of `rows` rows, growing so that later steps clip.
std::vector<torch::Tensor> inputs_of(int step, int count, int64_t rows, const torch::Device& device) {
  std::vector<torch::Tensor> out;
  for (int m = 0; m < count; ++m) {
    torch::manual_seed(uint64_t(100 + 10 * step + m));
    out.push_back((torch::randn({rows, 5}) * (step + 1)).to(device));
  }
  return out;
}

// The loop's eager step: zero, each micro-batch's loss / count backward, clip, AdamW. Returns
// the summed losses and the norm.
std::pair<double, double> eager_step(Net& net, torch::optim::AdamW& optimizer, const std::vector<torch::Tensor>& xs,
                                     double max_norm) {
  optimizer.zero_grad();
  double loss_sum = 0;
  for (const auto& x : xs) {
    const auto loss = net.forward(x).pow(2).mean();
    (loss / double(xs.size())).backward();
    loss_sum += loss.item<double>();
  }
  const double norm = torch::nn::utils::clip_grad_norm_(net.parameters(), max_norm);
  optimizer.step();
  return {loss_sum, norm};
}

std::vector<amem::train::TensorBatch> batches_of(const std::vector<torch::Tensor>& xs, bool with_metrics) {
  std::vector<amem::train::TensorBatch> out;
  for (const auto& x : xs) out.push_back({{x}, x.size(0) * x.size(1), with_metrics});
  return out;
}

amem::train::GraphedTrainingStep::LossOn loss_of(Net& net) {
  return [&net](const std::vector<torch::Tensor>& tensors, bool with_metrics) {
    const auto loss = net.forward(tensors.at(0)).pow(2).mean();
    amem::train::Metrics metrics;
    if (with_metrics) metrics.emplace_back("loss_again", loss.item<double>());
    return amem::train::StepOutput{loss, metrics, 0};
  };
}

// Step i on both nets: LibTorch's optimiser steps `reference_net`; `capturable` steps `net`.
// `first_layer_idle`: layer a gets no gradient this step (its AdamW count stays behind).
void step_both(int i, Net& reference_net, torch::optim::Optimizer& reference, Net& net,
               torch::optim::Optimizer& optimizer, amem::train::CapturableAdamW& capturable,
               bool first_layer_idle = false) {
  const auto x = inputs_of(i, 1, 4, net.parameters().front().device())[0];
  for (auto* model : {&reference_net, &net}) {
    (model == &net ? optimizer : reference).zero_grad();
    model->forward(x).pow(2).sum().backward();
    if (first_layer_idle)
      for (auto& p : model->a->parameters()) p.mutable_grad() = torch::Tensor();
  }
  reference.step();
  capturable.step();
}

}  // namespace

TEST(CapturableAdamW, MatchesLibTorchAdamWToFloatRounding) {
  torch::manual_seed(0);
  Net reference_net, net, initial;
  copy_parameters(reference_net, net);
  copy_parameters(reference_net, initial);
  torch::optim::AdamW reference(reference_net.parameters(), kOptions);
  torch::optim::AdamW optimizer(net.parameters(), kOptions);
  amem::train::CapturableAdamW capturable(optimizer);
  for (int i = 0; i < 6; ++i) {
    const double lr = 1e-2 * (1 + i % 3);  // a schedule: the device's lr follows the group's
    static_cast<torch::optim::AdamWOptions&>(reference.param_groups()[0].options()).lr(lr);
    static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[0].options()).lr(lr);
    step_both(i, reference_net, reference, net, optimizer, capturable);
  }
  EXPECT_GT(relative_difference(reference_net, initial), 1e-3);  // the nets did move
  EXPECT_LT(relative_difference(reference_net, net), 1e-6);
  for (const auto& p : net.parameters()) EXPECT_EQ(step_of(optimizer, p), 6);
}

// Two equal nets on the fused kernel's device (CUDA where there is one, else the CPU), each
// with LibTorch's AdamW, and a copy of where they start.
struct FusedPair {
  FusedPair() {
    copy_parameters(reference_net, net);
    reference_net.to(device);
    net.to(device);
    copy_parameters(reference_net, initial);
    initial.to(device);
  }
  bool seeded = [] {  // first, so that the nets start from the same draw in every run
    torch::manual_seed(0);
    return true;
  }();
  Net reference_net, net, initial;
  // (AdamW keeps the parameters' tensors, which to(device) moves in place.)
  torch::Device device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  torch::optim::AdamW reference{reference_net.parameters(), kOptions};
  torch::optim::AdamW on_device{net.parameters(), kOptions};
};

// train.fused_optimizer: at::_fused_adamw_ against LibTorch's AdamW, with weight decay, a
// changing lr and a layer that misses a step (its count stays behind, as LibTorch's does).
// Builds without the kernel refuse it.
TEST(CapturableAdamW, FusedMatchesLibTorchAdamWToFloatRounding) {
  if (!amem::train::CapturableAdamW::fused_available()) {
    Net net;
    torch::optim::AdamW optimizer(net.parameters(), kOptions);
    EXPECT_THROW(amem::train::CapturableAdamW(optimizer, /*fused=*/true), std::invalid_argument);
    GTEST_SKIP() << "LibTorch " TORCH_VERSION " has no at::_fused_adamw_";
  }
  FusedPair nets;
  amem::train::CapturableAdamW fused(nets.on_device, /*fused=*/true);
  for (int i = 0; i < 6; ++i) {
    const double lr = 1e-2 * (1 + i % 3);
    static_cast<torch::optim::AdamWOptions&>(nets.reference.param_groups()[0].options()).lr(lr);
    static_cast<torch::optim::AdamWOptions&>(nets.on_device.param_groups()[0].options()).lr(lr);
    step_both(i, nets.reference_net, nets.reference, nets.net, nets.on_device, fused, /*first_layer_idle=*/i == 2);
  }
  EXPECT_GT(relative_difference(nets.reference_net, nets.initial), 1e-3);
  EXPECT_LT(relative_difference(nets.reference_net, nets.net), 1e-6);
  // Each parameter at its own count, as LibTorch's: layer a missed step 3.
  for (const auto& p : nets.net.a->parameters()) EXPECT_EQ(step_of(nets.on_device, p), 5);
  for (const auto& p : nets.net.b->parameters()) EXPECT_EQ(step_of(nets.on_device, p), 6);
  // The fused kernel keeps the moments in the parameters' dtype.
  amem::train::ForeachAdamWOptions layout;
  layout.state_dtype = torch::kBFloat16;
  amem::train::ForeachAdamW bf16_moments(nets.net.parameters(), kOptions, layout);
  EXPECT_THROW(amem::train::CapturableAdamW(bf16_moments, /*fused=*/true), std::invalid_argument);
}

// The fused update's grad_scale (how GraphedTrainingStep clips under train.fused_optimizer):
// the same steps as LibTorch's AdamW on the gradients divided by it, and the gradients stored
// divided. The unfused update has no such argument.
TEST(CapturableAdamW, FusedGradScaleDividesTheGradientsAsItReadsThem) {
  {
    Net net;
    torch::optim::AdamW optimizer(net.parameters(), kOptions);
    amem::train::CapturableAdamW unfused(optimizer);
    for (auto& p : net.parameters()) p.mutable_grad() = torch::ones_like(p);
    unfused.prepare();
    EXPECT_THROW(unfused.update(torch::full({}, 4.0)), std::logic_error);
  }
  if (!amem::train::CapturableAdamW::fused_available()) GTEST_SKIP() << "LibTorch " TORCH_VERSION " has no at::_fused_adamw_";
  FusedPair nets;
  amem::train::CapturableAdamW fused(nets.on_device, /*fused=*/true);
  const auto scale = torch::full({}, 4.0, torch::TensorOptions().device(nets.device));
  for (int i = 0; i < 4; ++i) {
    const auto x = inputs_of(i, 1, 4, nets.device)[0];
    for (auto* model : {&nets.reference_net, &nets.net}) {
      model->zero_grad();
      model->forward(x).pow(2).sum().backward();
    }
    for (auto& p : nets.reference_net.parameters()) p.grad().div_(4.0);
    nets.reference.step();
    fused.prepare();
    fused.update(scale);
    fused.count_step();
    EXPECT_LT(gradient_difference(nets.reference_net, nets.net), 1e-6) << "step " << i;
  }
  EXPECT_GT(relative_difference(nets.reference_net, nets.initial), 1e-3);
  EXPECT_LT(relative_difference(nets.reference_net, nets.net), 1e-6);
}

TEST(CapturableAdamW, KeepsBf16MomentsInBf16) {
  torch::manual_seed(0);
  Net reference_net, net;
  copy_parameters(reference_net, net);
  amem::train::ForeachAdamWOptions layout;
  layout.state_dtype = torch::kBFloat16;
  amem::train::ForeachAdamW reference(reference_net.parameters(), kOptions, layout);
  amem::train::ForeachAdamW optimizer(net.parameters(), kOptions, layout);
  amem::train::CapturableAdamW capturable(optimizer);
  for (int i = 0; i < 4; ++i) {
    step_both(i, reference_net, reference, net, optimizer, capturable);
  }
  for (const auto& p : net.parameters()) {
    const auto& state = static_cast<torch::optim::AdamWParamState&>(
        *optimizer.state().at(amem::train::optimizer_state_key(p)));
    EXPECT_EQ(state.exp_avg().scalar_type(), torch::kBFloat16);
    EXPECT_EQ(state.exp_avg_sq().scalar_type(), torch::kBFloat16);
  }
  // bfloat16 moments round differently once the parameters differ in their last bits.
  EXPECT_LT(relative_difference(reference_net, net), 1e-4);
}

TEST(GraphedTrainingStep, OnCpuEveryStepIsEagerAndIsTheLoopsStep) {
  torch::manual_seed(0);
  Net reference_net, net;
  copy_parameters(reference_net, net);
  torch::optim::AdamW reference(reference_net.parameters(), kOptions);
  torch::optim::AdamW optimizer(net.parameters(), kOptions);
  const double max_norm = 0.5;  // small: most steps clip
  amem::train::GraphedTrainingStep step(optimizer, max_norm, /*bf16_autocast=*/true, /*fused_adamw=*/false, torch::kCPU);
  EXPECT_FALSE(step.can_record());
  int clipped = 0;
  for (int i = 0; i < 6; ++i) {
    // Three rows of two micro-batches, then five rows: new shapes.
    const auto xs = inputs_of(i, 2, i < 3 ? 3 : 5, torch::kCPU);
    const auto [loss_sum, norm] = eager_step(reference_net, reference, xs, max_norm);
    const auto result = step.step(batches_of(xs, /*with_metrics=*/i == 4), loss_of(net));
    EXPECT_EQ(result.mode, amem::train::GraphedTrainingStep::Mode::eager);
    EXPECT_NEAR(result.loss_sum, loss_sum, 1e-6 * loss_sum) << "step " << i;
    EXPECT_NEAR(result.grad_norm, norm, 1e-6 * norm) << "step " << i;
    clipped += norm > max_norm;
    ASSERT_EQ(result.metrics.size(), i == 4 ? 2u : 0u);
    if (i == 4) EXPECT_EQ(result.metrics[0].at(0).first, "loss_again");
  }
  EXPECT_GE(clipped, 3);
  EXPECT_EQ(step.recordings(), 0);
  EXPECT_LT(relative_difference(reference_net, net), 1e-6);
  for (const auto& p : net.parameters()) EXPECT_EQ(step_of(optimizer, p), 6);
}

// The micro-batches with an unused tensor whose size cycles with period 3: no layout comes back
// within two steps, so a GraphedTrainingStep runs every step eagerly (the reference below).
std::vector<amem::train::TensorBatch> never_recorded(const std::vector<torch::Tensor>& xs, int step) {
  auto batches = batches_of(xs, false);
  for (auto& b : batches) b.tensors.push_back(torch::zeros({int64_t(step % 3) + 1}, xs.front().options()));
  return batches;
}

TEST(GraphedTrainingStep, OnCudaReplaysGiveWhatEagerStepsGive) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA";
  const torch::Device cuda(torch::kCUDA, 0);
  using Mode = amem::train::GraphedTrainingStep::Mode;
  // Steady shapes, then new shapes: recorded twice. Then layouts that alternate (metrics every
  // other step): the first is recorded on its second step in two and replayed between the
  // other's eager steps. Then the first run again with train.fused_optimizer's AdamW recorded,
  // which clips through the kernel's grad_scale.
  std::vector<std::vector<Mode>> expected = {
      {Mode::eager, Mode::recorded, Mode::replayed, Mode::replayed, Mode::eager, Mode::recorded, Mode::replayed},
      {Mode::eager, Mode::eager, Mode::recorded, Mode::eager, Mode::replayed, Mode::eager}};
  if (amem::train::CapturableAdamW::fused_available()) expected.push_back(expected[0]);
  for (size_t run = 0; run < expected.size(); ++run) {
    torch::manual_seed(0);
    Net eager_net, graphed_net;
    copy_parameters(eager_net, graphed_net);
    eager_net.to(cuda);
    graphed_net.to(cuda);
    torch::optim::AdamW eager_optimizer(eager_net.parameters(), kOptions);
    torch::optim::AdamW graphed_optimizer(graphed_net.parameters(), kOptions);
    amem::train::GraphedTrainingStep eager(eager_optimizer, 0.5, true, /*fused_adamw=*/false, cuda);
    amem::train::GraphedTrainingStep graphed(graphed_optimizer, 0.5, true, /*fused_adamw=*/run == 2, cuda);
    ASSERT_TRUE(graphed.can_record());
    for (size_t i = 0; i < expected[run].size(); ++i) {
      const auto xs = inputs_of(int(i), 2, run != 1 && i >= 4 ? 5 : 3, cuda);
      const auto want = eager.step(never_recorded(xs, int(i)), loss_of(eager_net));
      EXPECT_EQ(want.mode, Mode::eager);
      const bool with_metrics = run == 1 && i % 2 == 1;
      const auto got = graphed.step(batches_of(xs, with_metrics), loss_of(graphed_net));
      EXPECT_EQ(got.mode, expected[run][i]) << "run " << run << ", step " << i;
      EXPECT_NEAR(got.loss_sum, want.loss_sum, 1e-6 * want.loss_sum) << "run " << run << ", step " << i;
      EXPECT_NEAR(got.grad_norm, want.grad_norm, 1e-6 * want.grad_norm) << "run " << run << ", step " << i;
      // The gradients end clipped either way; fused, the kernel stores them divided by its grad_scale.
      EXPECT_LT(gradient_difference(eager_net, graphed_net), 1e-5) << "run " << run << ", step " << i;
      ASSERT_EQ(got.metrics.size(), with_metrics ? 2u : 0u);
    }
    EXPECT_EQ(graphed.recordings(), run == 1 ? 1 : 2);
    EXPECT_LT(relative_difference(eager_net, graphed_net), 1e-6);
  }
}

TEST(GraphedTrainingStep, TrainingRefusesWhereItCannotRecordNamingTheKey) {
  const auto refusal = [](std::vector<std::string> overrides) {
    overrides.push_back("train.cuda_graph=true");
    const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", overrides);
    return amem::testing::error_of([&] {
      amem::methods::MacTrainingTask task(config);
      amem::train::TrainingRun(task, amem::train::TrainSettings::from(config));
    });
  };
  const std::string source = "override 'train.cuda_graph=true': train.cuda_graph: ";
  EXPECT_EQ(refusal({}), source + "records CUDA work, and this run trains on cpu (set model.device=cuda)");
  EXPECT_EQ(refusal({"mac.activation_checkpointing=amortizer_encoder"}),
            source + "not with mac.activation_checkpointing=amortizer_encoder (its recomputation restores generator "
                     "states, which a graph cannot record); set one of them off");
  EXPECT_EQ(refusal({"train.foreach_optimizer=true"}),
            source + "replaces train.foreach_optimizer (a replay launches the whole step at once); set one of them "
                     "to false");
  // What the config alone shows is refused before any data or model is read.
  const auto camels = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"train.method=camels", "train.cuda_graph=true"});
  EXPECT_EQ(amem::testing::error_of([&] { amem::train::TrainSettings::from(camels); }),
            source + "records MAC and CMT training only (train.method: mac), and this config trains train.method: "
                     "camels; set it to false");
}

// Tiny MAC and CMT training on CUDA with fixed shapes (padded documents, reference question and
// QA rows): the graphed run records once and logs the eager run's values to float rounding, with
// metrics every third step (those steps eager beside the recording) and every step (recorded).
// In float32: the backward of T5's self-attention (SDPA's memory-efficient kernel) adds with
// atomics, so two runs differ in their last bits, and under bf16 autocast weights a last bit
// apart can round to different bfloat16 values (~1e-3 in the loss after a step; seen on the
// H200). bench_mac_train compares the two under autocast (the loss after 7 steps).
TEST(GraphedTrainingStep, OnCudaMacTrainingLogsWhatEagerTrainingLogs) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA";
  const auto train = [](const std::string& file, const std::string& name, bool cuda_graph, int metrics_every,
                        bool fused_optimizer = false) {
    return amem::testing::train_fixed_shape_mac(
        file, amem::testing::fresh_dir(name),
        {std::string("train.fused_optimizer=") + (fused_optimizer ? "true" : "false"), "train.bf16_autocast=false",
         "train.steps=6", "train.metrics_every=" + std::to_string(metrics_every),
         std::string("train.cuda_graph=") + (cuda_graph ? "true" : "false")});
  };
  // Every logged value of `got` is `want`'s to float rounding (`got` may log more).
  const auto expect_logs = [](const std::vector<nlohmann::json>& want, const std::vector<nlohmann::json>& got,
                              const std::string& what) {
    ASSERT_EQ(want.size(), 6u) << what;
    ASSERT_EQ(got.size(), 6u) << what;
    for (size_t i = 0; i < want.size(); ++i) {
      for (const auto& [key, value] : want[i].items()) {
        if (key == "lr" || key == "step" || !value.is_number()) continue;
        ASSERT_TRUE(got[i].contains(key)) << key << ", " << what;
        EXPECT_NEAR(got[i][key].get<double>(), value.get<double>(), 1e-4 * std::abs(value.get<double>()) + 1e-6)
            << key << " at step " << i + 1 << ", " << what;
      }
    }
  };
  // MAC with metrics every third step and every step; CMT (its selector, memory-aware
  // objective and self-matching term in the recording) every step.
  for (const auto& [file, metrics_every] : std::vector<std::pair<std::string, int>>{
           {"mac/tiny_gpt2.yaml", 3}, {"mac/tiny_gpt2.yaml", 1}, {"cmt/tiny_gpt2.yaml", 1}}) {
    const std::string what = file + ", metrics every " + std::to_string(metrics_every);
    const auto eager = train(file, "mac_cuda_graph_off", false, metrics_every);
    const auto graphed = train(file, "mac_cuda_graph_on", true, metrics_every);
    expect_logs(eager, graphed, what);
    for (size_t i = 0; i < graphed.size(); ++i)
      EXPECT_EQ(graphed[i].size(), eager[i].size() + 1) << "step " << i + 1 << ": the same keys and the recordings";
    EXPECT_EQ(graphed.back()["cuda_graph_recordings"].get<double>(), 1.0) << what;
    // train.fused_optimizer, eager and recorded, against LibTorch's AdamW.
    if (amem::train::CapturableAdamW::fused_available() && metrics_every == 1 && file == "mac/tiny_gpt2.yaml") {
      expect_logs(eager, train(file, "mac_fused_eager", false, metrics_every, true), what + ", fused AdamW, eager");
      expect_logs(eager, train(file, "mac_fused_graph", true, metrics_every, true), what + ", fused AdamW, recorded");
    }
  }
}

// train.fused_optimizer is refused, naming the key, where the build or the config cannot have it.
TEST(CapturableAdamW, FusedOptimizerKeyIsRefusedWhereItCannotRun) {
  const auto refusal = [](std::vector<std::string> overrides) {
    overrides.push_back("train.fused_optimizer=true");
    const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", overrides);
    return amem::testing::error_of([&] { amem::train::TrainSettings::from(config); });
  };
  const std::string source = "override 'train.fused_optimizer=true': train.fused_optimizer: ";
  if (!amem::train::CapturableAdamW::fused_available()) {
    EXPECT_EQ(refusal({}), source + "needs LibTorch 2.4 or newer (at::_fused_adamw_), and this build has " TORCH_VERSION
                                    "; set it to false");
    return;
  }
  EXPECT_EQ(refusal({}), "no error");
  EXPECT_EQ(refusal({"train.foreach_optimizer=true"}),
            source + "replaces train.foreach_optimizer's AdamW; set one of them to false");
  EXPECT_EQ(refusal({"train.optimizer_state_dtype=bf16"}),
            source + "keeps AdamW's moments in the parameters' dtype, not with train.optimizer_state_dtype=bf16; set "
                     "one of them back");
}
