// The table of aggregators mac.aggregator chooses from (config/registry.h). A new aggregator:
// its file, and one line here.
#include "amem/memory/aggregator.h"
#include "amem/memory/hierarchical_aggregation.h"

namespace amem::memory {

std::vector<config::Registration<Aggregator>>& aggregator_registry() {
  static std::vector<config::Registration<Aggregator>> table = {
      hierarchical_aggregator_registration(),
  };
  return table;
}

std::shared_ptr<const Aggregator> make_aggregator(const config::Config& config) {
  return config::make_registered(aggregator_registry(), config, "mac.aggregator",
                                 config.get<std::string>("mac.aggregator"));
}

}  // namespace amem::memory
