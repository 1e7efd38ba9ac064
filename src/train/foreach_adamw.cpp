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

// torch::optim::AdamW::step's per-parameter update, one list operation at a time, on float32
// moments (updated in place).
void adamw_update(const torch::optim::AdamWOptions& options, int64_t step, std::vector<torch::Tensor>& params,
                  const std::vector<torch::Tensor>& grads, std::vector<torch::Tensor>& exp_avgs,
                  std::vector<torch::Tensor>& exp_avg_sqs) {
  const auto [beta1, beta2] = options.betas();
  if (options.weight_decay() != 0) at::_foreach_mul_(params, 1 - options.lr() * options.weight_decay());
  const double bias_correction1 = 1 - std::pow(beta1, double(step));
  const double bias_correction2 = 1 - std::pow(beta2, double(step));
  at::_foreach_mul_(exp_avgs, beta1);
  at::_foreach_add_(exp_avgs, grads, 1 - beta1);
  at::_foreach_mul_(exp_avg_sqs, beta2);
  at::_foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - beta2);
  auto denom = at::_foreach_sqrt(exp_avg_sqs);
  at::_foreach_div_(denom, std::sqrt(bias_correction2));
  at::_foreach_add_(denom, options.eps());
  at::_foreach_addcdiv_(params, exp_avgs, denom, -options.lr() / bias_correction1);
}

// Float32 copies of bfloat16 moments.
std::vector<torch::Tensor> in_float(const std::vector<torch::Tensor>& stored) {
  std::vector<torch::Tensor> out;
  out.reserve(stored.size());
  for (const auto& t : stored) out.push_back(t.to(torch::kFloat32));
  return out;
}

// Writes float32 moments back into their bfloat16 tensors, rounding to nearest (even).
void store(const std::vector<torch::Tensor>& computed, std::vector<torch::Tensor>& stored) {
  for (size_t i = 0; i < stored.size(); ++i) stored[i].copy_(computed[i]);
}

}  // namespace

ForeachAdamW::ForeachAdamW(std::vector<torch::Tensor> params, torch::optim::AdamWOptions options,
                           ForeachAdamWOptions layout)
    : torch::optim::AdamW(std::move(params), options), layout_(layout) {
  if (layout.state_dtype != torch::kFloat32 && layout.state_dtype != torch::kBFloat16)
    throw std::invalid_argument("ForeachAdamW: moments are stored in float32 or bfloat16");
  if (layout.elements_per_update < 1) throw std::invalid_argument("ForeachAdamW: elements_per_update must be >= 1");
}

torch::Tensor ForeachAdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  const bool rounded = layout_.state_dtype == torch::kBFloat16;
  for (auto& group : param_groups_) {
    auto& options = static_cast<torch::optim::AdamWOptions&>(group.options());
    if (options.amsgrad()) throw std::logic_error("ForeachAdamW: amsgrad is not supported");
    std::map<int64_t, std::vector<StepGroup>> by_step;  // each step's parameters, in lists of bounded size
    std::map<int64_t, int64_t> elements;                // in each step's last list
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[optimizer_state_key(p)];
      if (!slot) {  // first step: zero moments, as AdamW initialises them
        // As the parameter, as LibTorch's AdamW (float32 in amem), unless rounded to bfloat16.
        const auto moments = rounded ? torch::TensorOptions().dtype(torch::kBFloat16) : torch::TensorOptions();
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, moments, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      auto& lists = by_step[state.step()];
      auto& filled = elements[state.step()];
      if (lists.empty() || filled + p.numel() > layout_.elements_per_update) {
        lists.emplace_back();
        filled = 0;
      }
      filled += p.numel();
      auto& g = lists.back();
      g.params.push_back(p);
      g.grads.push_back(p.grad());
      g.exp_avgs.push_back(state.exp_avg());
      g.exp_avg_sqs.push_back(state.exp_avg_sq());
    }
    for (auto& [step, lists] : by_step)
      for (auto& g : lists) {
        if (!rounded) {
          adamw_update(options, step, g.params, g.grads, g.exp_avgs, g.exp_avg_sqs);
          continue;
        }
        auto exp_avgs = in_float(g.exp_avgs), exp_avg_sqs = in_float(g.exp_avg_sqs);
        adamw_update(options, step, g.params, g.grads, exp_avgs, exp_avg_sqs);
        store(exp_avgs, g.exp_avgs);
        store(exp_avg_sqs, g.exp_avg_sqs);
      }
  }
  return loss;
}

std::unique_ptr<torch::optim::AdamW> make_adamw(std::vector<torch::Tensor> params, torch::optim::AdamWOptions options,
                                                bool foreach, torch::ScalarType state_dtype) {
  if (!foreach && state_dtype == torch::kFloat32) return std::make_unique<torch::optim::AdamW>(std::move(params), options);
  ForeachAdamWOptions layout;
  layout.state_dtype = state_dtype;
  if (!foreach) layout.elements_per_update = 1;
  return std::make_unique<ForeachAdamW>(std::move(params), options, layout);
}

torch::ScalarType adamw_state_dtype(const torch::optim::Optimizer& optimizer, const torch::Tensor& parameter) {
  const auto* foreach = dynamic_cast<const ForeachAdamW*>(&optimizer);
  return foreach && foreach->state_dtype() == torch::kBFloat16 ? torch::kBFloat16 : parameter.scalar_type();
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
