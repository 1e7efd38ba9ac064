#include "amem/memory/all_selector.h"

namespace amem::memory {

torch::Tensor AllSelector::select(const torch::Tensor&, const torch::Tensor& bank) const { return bank.unsqueeze(0); }

config::Registration<Selector> all_selector_registration() {
  return {"all", nullptr, [](const config::Config&) { return std::make_shared<const AllSelector>(); }};
}

}  // namespace amem::memory
