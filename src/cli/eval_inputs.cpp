#include "cli/eval_inputs.h"

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/data/qa_dataset_reader.h"
#include "amem/data/qa_stream.h"
#include "amem/run/run_settings.h"

namespace amem::cli {

const config::Config& refuse_training_overrides(const config::Config& config, const std::string& command,
                                                const std::string& what_it_reads) {
  for (const auto& section : config::amem_schema().sections()) {
    if (section.name() != "train") continue;
    for (const auto& field : section.fields())
      if (config.source_of(field.key).rfind("override '", 0) == 0)
        throw ConfigError(config.source_of(field.key) + ": " + field.key + ": set, but `amem " + command +
                          "` trains nothing and does not read train.* (" + what_it_reads + "); remove it");
  }
  return config;
}

EvalInputs::EvalInputs(const config::Config& config)
    : data(data::DataSettings::from(refuse_training_overrides(
          config, "eval", "its fine-tuning adapters read adapt.*: adapt.lr, adapt.steps_per_document, ..."))),
      eval(eval::EvalSettings::from(config)),
      seed(uint64_t(run::RunSettings::from(config).seed)),
      stream(data::make_stream(data::read_qa_dataset(data.test), data.stream)) {
  if (eval.retention) eval.retention->check(stream.documents.size());
  if (eval.distractors) distractors.emplace(data::read_qa_dataset(eval.distractors->source), stream, *eval.distractors);
}

}  // namespace amem::cli
