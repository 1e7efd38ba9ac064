// Everything MAC trains, as one module: the amortization network (documents -> context
// modulations), the aggregation network (question + memory bank -> one modulation) and the
// map from a modulation to the base LM's prefix. Its named parameters are what a trained MAC
// model stores; the frozen base LM is never part of it.
#pragma once

#include <torch/torch.h>

#include "amem/memory/aggregation_network.h"
#include "amem/memory/modulation_to_prefix.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/models/amortization_network.h"
#include "amem/models/causal_lm.h"
#include "amem/models/t5.h"

namespace amem::methods {

class MacNetworksImpl : public torch::nn::Module {
 public:
  // The two T5 models become submodules (trained); `lm` is the frozen base LM's shape, whose
  // hidden size is the width of every modulation.
  MacNetworksImpl(const MacSettings& settings, models::T5ForConditionalGeneration amortizer_t5,
                  models::T5ForConditionalGeneration question_t5, const models::CausalLmShape& lm);

  models::AmortizationNetwork amortizer{nullptr};
  memory::AggregationNetwork aggregator{nullptr};
  memory::ModulationToPrefix to_prefix{nullptr};
};
TORCH_MODULE(MacNetworks);

}  // namespace amem::methods
