#include "amem/methods/adapt_settings.h"

namespace amem::methods {

void AdaptSettings::declare(config::Schema& schema) {
  schema.section("adapt", "fine-tuning baselines: gradient steps on each streamed document")
      .field<double>("lr", 1e-5, "learning rate")
      .positive()
      .field<int64_t>("steps_per_document", 1, "optimiser steps on each document, in stream order")
      .at_least(1)
      .field<std::string>("optimizer", "adam", "optimiser; its state carries over from document to document")
      .one_of({"sgd", "adam"})
      .field<int64_t>("max_document_tokens", 512, "documents are cut to this many tokens")
      .at_least(2);
}

AdaptSettings AdaptSettings::from(const config::Config& config) {
  AdaptSettings s;
  s.lr = config.get<double>("adapt.lr");
  s.steps_per_document = config.get<int64_t>("adapt.steps_per_document");
  s.optimizer = config.get<std::string>("adapt.optimizer");
  s.max_document_tokens = config.get<int64_t>("adapt.max_document_tokens");
  return s;
}

}  // namespace amem::methods
