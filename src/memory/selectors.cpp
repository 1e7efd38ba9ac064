// The table of selectors cmt.selector chooses from (config/registry.h). A new selector: its
// file, and one line here.
#include "amem/memory/all_selector.h"
#include "amem/memory/selector.h"
#include "amem/memory/top_k_selector.h"

namespace amem::memory {

const std::vector<config::Registration<Selector>>& selector_registry() {
  static const std::vector<config::Registration<Selector>> table = {
      all_selector_registration(),
      top_k_selector_registration(),
  };
  return table;
}

std::shared_ptr<const Selector> make_selector(const config::Config& config) {
  return config::make_registered(selector_registry(), config, "cmt.selector", config.get<std::string>("cmt.selector"));
}

}  // namespace amem::memory
