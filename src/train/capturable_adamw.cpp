#include "amem/train/capturable_adamw.h"

#include <map>
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

CapturableAdamW::CapturableAdamW(torch::optim::AdamW& optimizer, bool fused) : optimizer_(optimizer), fused_(fused) {
  if (optimizer.param_groups().size() != 1) throw std::invalid_argument("CapturableAdamW: expected one parameter group");
  if (group_options(optimizer).amsgrad()) throw std::invalid_argument("CapturableAdamW: amsgrad is not supported");
  params_ = optimizer.param_groups().front().params();
  if (params_.empty()) throw std::invalid_argument("CapturableAdamW: no parameters");
  if (fused && !fused_available())
    throw std::invalid_argument("CapturableAdamW: this LibTorch (" TORCH_VERSION ") has no at::_fused_adamw_ (2.4 or newer)");
  if (fused)
    for (const auto& p : params_)
      if (adamw_state_dtype(optimizer_, p) != p.scalar_type())
        throw std::invalid_argument("CapturableAdamW: fused keeps the moments in the parameters' dtype");
  // Float64, as the host's arithmetic: 1 - 0.999^t in float32 loses five digits to
  // cancellation (PyTorch's capturable AdamW keeps float32 steps and lives with it). The fused
  // kernel reads float32 ones (and forms its bias corrections in float64 itself).
  const auto on_device = torch::TensorOptions()
                             .dtype(fused ? torch::kFloat32 : torch::kFloat64)
                             .device(params_.front().device());
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

torch::optim::AdamWParamState& CapturableAdamW::state_of(const torch::Tensor& p) {
  auto& slot = optimizer_.state()[optimizer_state_key(p)];
  if (!slot) {
    // A parameter's first gradient: zero moments, as AdamW's first step makes them. Only in an
    // eager step: a recording would put them in the graph's pool and zero them on replay.
    if (device::CudaGraph::recording())
      throw std::logic_error("CapturableAdamW::update: a parameter without state while recording");
    auto fresh = std::make_unique<torch::optim::AdamWParamState>();
    fresh->step(0);
    const auto moments = torch::TensorOptions().dtype(adamw_state_dtype(optimizer_, p));  // bf16 or as p
    fresh->exp_avg(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
    fresh->exp_avg_sq(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
    slot = std::move(fresh);
  }
  return static_cast<torch::optim::AdamWParamState&>(*slot);
}

void CapturableAdamW::update(const torch::Tensor& grad_scale) {
  torch::NoGradGuard no_grad;
  if (fused_) return fused_update(grad_scale);
  if (grad_scale.defined()) throw std::logic_error("CapturableAdamW::update: grad_scale needs the fused kernel");
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
    auto& state = state_of(p);
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

void CapturableAdamW::fused_update(const torch::Tensor& grad_scale) {
#ifdef AMEM_HAS_FUSED_ADAMW
  const auto& options = group_options(optimizer_);
  const auto [beta1, beta2] = options.betas();
  // Recording: one device count for all (prepare() checked they agree), advanced in the graph.
  // Eager: each parameter's own, from its state, as LibTorch's AdamW counts (a parameter that
  // had no gradient on some step is behind the others).
  const bool recording = device::CudaGraph::recording();
  std::map<int64_t, torch::Tensor> counts;  // eager: a count after this update -> its device scalar
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
  for (auto& p : params_) {
    if (!p.grad().defined()) continue;
    auto& state = state_of(p);
    params.push_back(p);
    grads.push_back(p.grad());
    exp_avgs.push_back(state.exp_avg());
    exp_avg_sqs.push_back(state.exp_avg_sq());
    if (recording) {
      steps.push_back(step_);
      continue;
    }
    auto& count = counts[state.step() + 1];
    if (!count.defined()) count = torch::full({}, double(state.step() + 1), step_.options());
    steps.push_back(count);
  }
  if (recording) step_.add_(1);  // the kernel reads the step it takes, as torch.optim's fused path increments first
  at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, lr_, beta1, beta2,
                    options.weight_decay(), options.eps(), /*amsgrad=*/false, /*maximize=*/false,
                    grad_scale.defined() ? std::optional<torch::Tensor>(grad_scale) : std::nullopt,
                    /*found_inf=*/std::nullopt);
#else
  throw std::logic_error("CapturableAdamW: fused without at::_fused_adamw_");
#endif
}

void CapturableAdamW::count_step() {
  for (const auto& p : params_) {
    if (!p.grad().defined()) continue;
    auto& state = static_cast<torch::optim::AdamWParamState&>(*optimizer_.state().at(optimizer_state_key(p)));
    state.step(state.step() + 1);
  }
}

void CapturableAdamW::step() {
  if (fused_) {
    // Each parameter's count comes from its state (fused_update): only the lr is needed.
    torch::NoGradGuard no_grad;
    lr_.fill_(group_options(optimizer_).lr());
  } else {
    prepare();
  }
  update();
  count_step();
}

}  // namespace amem::train
