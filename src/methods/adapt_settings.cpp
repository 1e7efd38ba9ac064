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
      .field<int64_t>("max_document_tokens", 512, "documents are cut to this many tokens (or the model's context, if shorter)")
      .at_least(2)
      .field<int64_t>("light_tune_steps", 0,
                      "after the stream: answer-only steps on training QA pairs (data.train_path); 0 = off")
      .at_least(0)
      .field<double>("light_tune_lr", 1e-5, "learning rate of the light-tune (a fresh adapt.optimizer)")
      .positive()
      .field<int64_t>("light_tune_batch_size", 8, "QA pairs per light-tune step")
      .at_least(1);
}

AdaptSettings AdaptSettings::from(const config::Config& config) {
  AdaptSettings s;
  s.lr = config.get<double>("adapt.lr");
  s.steps_per_document = config.get<int64_t>("adapt.steps_per_document");
  s.optimizer = config.get<std::string>("adapt.optimizer");
  s.max_document_tokens = config.get<int64_t>("adapt.max_document_tokens");
  s.light_tune_steps = config.get<int64_t>("adapt.light_tune_steps");
  s.light_tune_lr = config.get<double>("adapt.light_tune_lr");
  s.light_tune_batch_size = config.get<int64_t>("adapt.light_tune_batch_size");
  return s;
}

}  // namespace amem::methods
