#include "amem/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "amem/core/error.h"

namespace amem::train {

const std::vector<std::string>& LrSchedule::names() {
  static const std::vector<std::string> names = {"constant", "constant_with_warmup", "linear", "cosine"};
  return names;
}

LrSchedule::LrSchedule(const std::string& name, double base_lr, int64_t warmup_steps,
                       int64_t total_steps, const std::string& field)
    : base_lr_(base_lr), warmup_(warmup_steps), total_(total_steps) {
  const auto& known = names();
  const auto it = std::find(known.begin(), known.end(), name);
  if (it == known.end()) {
    std::string list;
    for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError(field + ": unknown schedule '" + name + "' (expected one of " + list + ")");
  }
  kind_ = static_cast<Kind>(it - known.begin());
  if (warmup_ < 0) throw ConfigError(field + ": warm-up steps must be >= 0");
  if ((kind_ == Kind::kLinear || kind_ == Kind::kCosine) && total_ <= warmup_)
    throw ConfigError(field + ": a " + name + " schedule needs total steps (" +
                      std::to_string(total_) + ") above the warm-up steps (" +
                      std::to_string(warmup_) + ")");
}

double LrSchedule::factor(int64_t step) const {
  if (kind_ == Kind::kConstant) return 1.0;
  if (step < warmup_) return double(step) / double(std::max<int64_t>(1, warmup_));
  if (kind_ == Kind::kConstantWithWarmup) return 1.0;
  const double progress = double(step - warmup_) / double(std::max<int64_t>(1, total_ - warmup_));
  if (kind_ == Kind::kLinear) return std::max(0.0, 1.0 - progress);
  // Half a cosine period from 1 down to 0 over the steps after warm-up.
  return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

void LrSchedule::apply(torch::optim::Optimizer& optimizer, int64_t step) const {
  const double value = lr(step);
  for (auto& group : optimizer.param_groups()) group.options().set_lr(value);
}

}  // namespace amem::train
