// The table of auxiliary objective terms cmt.auxiliary_terms chooses from (config/registry.h).
// A new term: its file, and one line here.
#include "amem/methods/cmt/auxiliary_term.h"
#include "amem/methods/cmt/self_matching.h"

namespace amem::methods::cmt {

const std::vector<config::Registration<AuxiliaryTerm>>& auxiliary_term_registry() {
  static const std::vector<config::Registration<AuxiliaryTerm>> table = {
      self_matching_registration(),
  };
  return table;
}

AuxiliaryTerms make_auxiliary_terms(const config::Config& config) {
  const char* key = "cmt.auxiliary_terms";
  const auto names = config.get<std::vector<std::string>>(key);
  AuxiliaryTerms terms;
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (names[j] == names[i])
        throw ConfigError(config.source_of(key) + ": " + key + ": '" + names[i] + "' is named twice");
    terms.push_back(config::make_registered(auxiliary_term_registry(), config, key, names[i]));
  }
  return terms;
}

}  // namespace amem::methods::cmt
