#include "amem/train/foreach_adamw.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "amem/train/optimizer_state_key.h"

namespace amem::train {

namespace {

// The parameters of one update: those whose AdamW state has reached the same step (in practice
// every parameter, since all get gradients every step; bias corrections depend on the step).
struct StepGroup {
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
};

}  // namespace

torch::Tensor ForeachAdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& options = static_cast<torch::optim::AdamWOptions&>(group.options());
    if (options.amsgrad()) throw std::logic_error("ForeachAdamW: amsgrad is not supported");
    const auto [beta1, beta2] = options.betas();
    std::map<int64_t, StepGroup> by_step;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[optimizer_state_key(p)];
      if (!slot) {  // first step: zero moments, as AdamW initialises them
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      auto& g = by_step[state.step()];
      g.params.push_back(p);
      g.grads.push_back(p.grad());
      g.exp_avgs.push_back(state.exp_avg());
      g.exp_avg_sqs.push_back(state.exp_avg_sq());
    }
    for (auto& [step, g] : by_step) {
      // The per-parameter update of torch::optim::AdamW::step, one list operation at a time.
      if (options.weight_decay() != 0) at::_foreach_mul_(g.params, 1 - options.lr() * options.weight_decay());
      const double bias_correction1 = 1 - std::pow(beta1, double(step));
      const double bias_correction2 = 1 - std::pow(beta2, double(step));
      at::_foreach_mul_(g.exp_avgs, beta1);
      at::_foreach_add_(g.exp_avgs, g.grads, 1 - beta1);
      at::_foreach_mul_(g.exp_avg_sqs, beta2);
      at::_foreach_addcmul_(g.exp_avg_sqs, g.grads, g.grads, 1 - beta2);
      auto denom = at::_foreach_sqrt(g.exp_avg_sqs);
      at::_foreach_div_(denom, std::sqrt(bias_correction2));
      at::_foreach_add_(denom, options.eps());
      at::_foreach_addcdiv_(g.params, g.exp_avgs, denom, -options.lr() / bias_correction1);
    }
  }
  return loss;
}

double clip_grad_norm_foreach(const std::vector<torch::Tensor>& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  const auto norms = at::_foreach_norm(grads, 2);
  const auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  // As LibTorch's clip_grad_norm_: the coefficient in the gradients' dtype, clamped at 1.
  const auto coefficient = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  // One device-to-host copy for both numbers (each .item() would wait for the device).
  const auto on_host = torch::stack({total, coefficient}).cpu();
  at::_foreach_mul_(grads, on_host[1].item());
  return on_host[0].item<double>();
}

}  // namespace amem::train
