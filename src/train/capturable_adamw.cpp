#include "amem/train/capturable_adamw.h"

#include <optional>
#include <stdexcept>

#include "amem/core/error.h"
#include "amem/device/cuda_graph.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/optimizer_state_key.h"

namespace amem::train {

namespace {

torch::optim::AdamWOptions& group_options(torch::optim::AdamW& optimizer) {
  return static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups().front().options());
}


}  // namespace

CapturableAdamW::CapturableAdamW(torch::optim::AdamW& optimizer) : optimizer_(optimizer) {
  if (optimizer.param_groups().size() != 1) throw std::invalid_argument("CapturableAdamW: expected one parameter group");
  if (group_options(optimizer).amsgrad()) throw std::invalid_argument("CapturableAdamW: amsgrad is not supported");
  params_ = optimizer.param_groups().front().params();
  if (params_.empty()) throw std::invalid_argument("CapturableAdamW: no parameters");
  // Float64, as the host's arithmetic: 1 - 0.999^t in float32 loses five digits to
  // cancellation (PyTorch's capturable AdamW keeps float32 steps and lives with it).
  const auto on_device = torch::TensorOptions().dtype(torch::kFloat64).device(params_.front().device());
  step_ = torch::zeros({}, on_device);
  lr_ = torch::zeros({}, on_device);
}

void CapturableAdamW::prepare() {
  std::optional<int64_t> taken;
  for (const auto& p : params_) {
    const auto found = optimizer_.state().find(optimizer_state_key(p));
    if (found == optimizer_.state().end() || !found->second) continue;
    const int64_t step = static_cast<torch::optim::AdamWParamState&>(*found->second).step();
    if (taken && *taken != step)
      throw Error("CapturableAdamW: the parameters' AdamW states are at different steps (" + std::to_string(*taken) +
                  " and " + std::to_string(step) + "); train.cuda_graph steps them together");
    taken = step;
  }
  torch::NoGradGuard no_grad;
  step_.fill_(double(taken.value_or(0)));
  lr_.fill_(group_options(optimizer_).lr());
}

void CapturableAdamW::update() {
  torch::NoGradGuard no_grad;
  const auto& options = group_options(optimizer_);
  const auto [beta1, beta2] = options.betas();
  step_.add_(1);
  // 1 - beta^t on the device; the step size and the decay factor from the device's lr, all in
  // float64 as torch::optim::AdamW computes them on the host. Each meets the float32 tensors as
  // a 0-d tensor, which (like a host scalar) is rounded to float32 and does not promote them.
  const auto bias_correction1 = 1 - torch::pow(beta1, step_);
  const auto bias_correction2_sqrt = (1 - torch::pow(beta2, step_)).sqrt();
  const auto step_size = lr_ / bias_correction1;
  const auto decay = 1 - lr_ * options.weight_decay();
  for (auto& p : params_) {
    const auto& grad = p.grad();
    if (!grad.defined()) continue;
    auto& slot = optimizer_.state()[optimizer_state_key(p)];
    if (!slot) {
      // A parameter's first gradient: zero moments, as AdamW's first step makes them. Only in
      // an eager step: a recording would put them in the graph's pool and zero them on replay.
      if (device::CudaGraph::recording())
        throw std::logic_error("CapturableAdamW::update: a parameter without state while recording");
      auto fresh = std::make_unique<torch::optim::AdamWParamState>();
      fresh->step(0);
      const auto moments = torch::TensorOptions().dtype(adamw_state_dtype(optimizer_, p));  // bf16 or as p
      fresh->exp_avg(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
      fresh->exp_avg_sq(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
      slot = std::move(fresh);
    }
    auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
    auto exp_avg = state.exp_avg(), exp_avg_sq = state.exp_avg_sq();
    const bool rounded = exp_avg.scalar_type() != p.scalar_type();
    auto m = rounded ? exp_avg.to(p.scalar_type()) : exp_avg;
    auto v = rounded ? exp_avg_sq.to(p.scalar_type()) : exp_avg_sq;
    if (options.weight_decay() != 0) p.mul_(decay);
    m.mul_(beta1).add_(grad, 1 - beta1);
    v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const auto denom = (v.sqrt() / bias_correction2_sqrt).add_(options.eps());
    p.sub_(m / denom * step_size);
    if (rounded) {
      exp_avg.copy_(m);
      exp_avg_sq.copy_(v);
    }
  }
}

void CapturableAdamW::count_step() {
  for (const auto& p : params_) {
    if (!p.grad().defined()) continue;
    auto& state = static_cast<torch::optim::AdamWParamState&>(*optimizer_.state().at(optimizer_state_key(p)));
    state.step(state.step() + 1);
  }
}

}  // namespace amem::train
