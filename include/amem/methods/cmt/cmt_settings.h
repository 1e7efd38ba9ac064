// The `cmt` section of a config: CMT's three techniques over MAC (Li et al., AAAI 2025, "A
// Memory Compression Method for Continual Knowledge Learning of Large Language Models"), each a
// switch whose off value is MAC exactly:
//   cmt.selector           which bank entries a question aggregates (memory/selector.h): all | top_k
//   cmt.auxiliary_terms    extra objective terms (methods/cmt/auxiliary_term.h): [self_matching]
//   cmt.memory_aware.*     the adjusted-logit QA loss (methods/cmt/memory_aware.h)
// CMT is `amem train` with train.method: mac and `amem eval` with eval.adapter: mac plus these
// keys (configs/README.md says why).
#pragma once

#include <memory>
#include <optional>

#include "amem/config/config.h"
#include "amem/config/schema.h"
#include "amem/memory/selector.h"
#include "amem/methods/cmt/auxiliary_term.h"

namespace amem::methods::cmt {

struct CmtSettings {
  std::shared_ptr<const memory::Selector> selector;  // answers; training too if selector->during_training()
  AuxiliaryTerms auxiliary_terms;
  std::optional<double> memory_aware_alpha;  // set: train on the adjusted logits with this α
  std::optional<double> inference_alpha;     // set: decode answers on the adjusted logits with this α

  // Declares cmt, cmt.memory_aware and every registered selector's and term's own section.
  static void declare(config::Schema& schema);
  // amem::ConfigError for an unregistered selector or term.
  static CmtSettings from(const config::Config& config);
};

}  // namespace amem::methods::cmt
