#include "amem/train/finite_step.h"

#include <cmath>

#include "amem/core/error.h"

namespace amem::train {

bool all_finite(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flags;  // one 0-d bool per tensor, on the first tensor's device
  for (const auto& t : tensors) {
    if (!t.defined() || t.numel() == 0) continue;
    auto flag = torch::isfinite(t.detach()).all();
    flags.push_back(flags.empty() ? flag : flag.to(flags.front().device()));
  }
  if (flags.empty()) return true;
  return torch::stack(flags).all().item<bool>();
}

void check_finite_step(const std::string& step, const torch::Tensor& loss,
                       const std::vector<std::pair<std::string, torch::Tensor>>& updated) {
  std::vector<torch::Tensor> tensors{loss};
  for (const auto& named : updated) tensors.push_back(named.second);
  if (all_finite(tensors)) return;
  // Something is not finite: the slow path names it.
  if (loss.defined() && !all_finite({loss})) {
    const double value = loss.detach().to(torch::kFloat64).cpu().item<double>();
    const std::string text = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";  // no "-nan"
    throw Error(step + ": the loss is " + text + " (lower the learning rate)");
  }
  for (const auto& [name, tensor] : updated)
    if (!all_finite({tensor}))
      throw Error(step + ": the updated weights are not finite (NaN or Inf in '" + name +
                  "'; lower the learning rate)");
}

}  // namespace amem::train
