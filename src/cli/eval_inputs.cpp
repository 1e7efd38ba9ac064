#include "cli/eval_inputs.h"

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/data/qa_dataset_reader.h"
#include "amem/data/qa_stream.h"
#include "amem/run/run_settings.h"

namespace amem::cli {

namespace {

// `amem eval` trains nothing, so a train.* key given as an override would change nothing (its
// fine-tuning adapters read adapt.*). Keys a config file sets are left alone: eval configs
// compose files that training configs share.
const config::Config& refuse_training_overrides(const config::Config& config) {
  for (const auto& section : config::amem_schema().sections()) {
    if (section.name() != "train") continue;
    for (const auto& field : section.fields())
      if (config.source_of(field.key).rfind("override '", 0) == 0)
        throw ConfigError(config.source_of(field.key) + ": " + field.key +
                          ": set, but `amem eval` trains nothing and does not read train.* (its fine-tuning "
                          "adapters read adapt.*: adapt.lr, adapt.steps_per_document, ...); remove it");
  }
  return config;
}

}  // namespace

EvalInputs::EvalInputs(const config::Config& config)
    : data(data::DataSettings::from(refuse_training_overrides(config))),
      eval(eval::EvalSettings::from(config)),
      seed(uint64_t(run::RunSettings::from(config).seed)),
      stream(data::make_stream(data::read_qa_dataset(data.test), data.stream)) {
  if (eval.retention) eval.retention->check(stream.documents.size());
  if (eval.distractors) distractors.emplace(data::read_qa_dataset(eval.distractors->source), stream, *eval.distractors);
}

}  // namespace amem::cli
