#include "amem/methods/cmt/cmt_settings.h"

#include "amem/core/error.h"

namespace amem::methods::cmt {

void CmtSettings::declare(config::Schema& schema) {
  schema.section("cmt", "CMT's techniques over MAC (Li et al., AAAI 2025); the defaults are MAC")
      .field<std::string>("selector", "all",
                          "which bank entries each question aggregates, by registered name (" +
                              config::registered_names(memory::selector_registry()) + "); all: every entry (MAC)")
      .field<std::vector<std::string>>("auxiliary_terms", std::vector<std::string>{},
                                       "auxiliary objective terms added to the QA loss, by registered name (" +
                                           config::registered_names(auxiliary_term_registry()) + "); []: none (MAC)");
  schema.section("cmt.memory_aware", "CMT's memory-aware objective: QA loss on (1 + α)·l(y|M*,q) − α·l(y|q)")
      .field<bool>("enabled", false, "train on the adjusted logits (one extra no-grad forward of the base LM without prefix per step)")
      .field<double>("alpha", 0.5, "α, the weight of the contrast with the prefix-free logits; 0: MAC's loss. Not given in the paper; our default")
      .at_least(0)
      .field<bool>("at_inference", false,
                   "also decode answers on the adjusted logits with the same α (the base LM runs with and without the "
                   "prefix at every decoding step, doubling its decoding cost); independent of enabled, so a MAC-trained "
                   "model can be decoded either way. Off by default as in the issue; the paper does not say");
  config::declare_registered(memory::selector_registry(), schema);
  config::declare_registered(auxiliary_term_registry(), schema);
}

CmtSettings CmtSettings::from(const config::Config& config) {
  CmtSettings s;
  s.selector = memory::make_selector(config);
  s.auxiliary_terms = make_auxiliary_terms(config);
  if (config.get<bool>("cmt.memory_aware.enabled")) s.memory_aware_alpha = config.get<double>("cmt.memory_aware.alpha");
  if (config.get<bool>("cmt.memory_aware.at_inference")) s.inference_alpha = config.get<double>("cmt.memory_aware.alpha");
  return s;
}

}  // namespace amem::methods::cmt
