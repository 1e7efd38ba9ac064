#include "amem/layers/skip_init.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace amem::layers {

namespace {

thread_local std::optional<torch::TensorOptions> active_options;

at::Generator cpu_generator() { return at::detail::getDefaultCPUGenerator(); }

}  // namespace

SkipInitGuard::SkipInitGuard(torch::TensorOptions options) : previous_(active_options) {
  auto generator = cpu_generator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator_state_ = generator.get_state();
  active_options = options;
}

SkipInitGuard::~SkipInitGuard() {
  active_options = previous_;
  auto generator = cpu_generator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(generator_state_);
}

std::optional<torch::TensorOptions> skip_init_options() { return active_options; }

torch::Tensor new_parameter(c10::IntArrayRef shape, const std::function<torch::Tensor()>& initialised) {
  if (active_options) return torch::empty(shape, *active_options);
  return initialised();
}

// LibTorch's modules always run reset() in their constructor, which allocates float32 on the
// CPU and initialises. Under a guard they are built at size 1 (a negligible reset whose random
// draws the guard undoes), then given their true sizes and uninitialised storage.
torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  const auto options = torch::nn::LinearOptions(in, out).bias(bias);
  if (!active_options) return torch::nn::Linear(options);
  torch::nn::Linear layer(torch::nn::LinearOptions(1, 1).bias(bias));
  layer->options = options;
  torch::NoGradGuard no_grad;
  layer->weight.set_data(torch::empty({out, in}, *active_options));
  if (bias) layer->bias.set_data(torch::empty({out}, *active_options));
  return layer;
}

torch::nn::Embedding embedding(int64_t count, int64_t dim) {
  const auto options = torch::nn::EmbeddingOptions(count, dim);
  if (!active_options) return torch::nn::Embedding(options);
  torch::nn::Embedding layer(torch::nn::EmbeddingOptions(1, 1));
  layer->options = options;
  torch::NoGradGuard no_grad;
  layer->weight.set_data(torch::empty({count, dim}, *active_options));
  return layer;
}

}  // namespace amem::layers
