#include "cli/eval_inputs.h"

#include "amem/data/qa_dataset_reader.h"
#include "amem/data/qa_stream.h"
#include "amem/run/run_settings.h"

namespace amem::cli {

EvalInputs::EvalInputs(const config::Config& config)
    : data(data::DataSettings::from(config)),
      eval(eval::EvalSettings::from(config)),
      seed(uint64_t(run::RunSettings::from(config).seed)),
      stream(data::make_stream(data::read_qa_dataset(data.test), data.stream)) {
  if (eval.retention) eval.retention->check(stream.documents.size());
  if (eval.distractors) distractors.emplace(data::read_qa_dataset(eval.distractors->source), stream, *eval.distractors);
}

}  // namespace amem::cli
