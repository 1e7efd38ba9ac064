#include "amem/train/online_validation.h"

#include <sstream>

#include "amem/data/qa_stream.h"
#include "amem/eval/online_eval.h"

namespace amem::train {

Metrics validate_online(eval::Adapter& adapter, const data::QADataset& documents, const eval::EvalSettings& eval,
                        const std::filesystem::path& dir, const distributed::BatchShards& shards) {
  eval::OnlineEvalOptions options;
  options.batch_size = eval.batch_size;
  options.gold_max_tokens = eval.gold_max_tokens;
  // The training loop's progress line is the one on screen; validation reports in its metrics.
  std::ostringstream discarded;
  options.progress = run::ProgressOutput::standard();
  options.progress.stream = &discarded;
  options.shards = &shards;
  const auto results = eval::run_online_eval(adapter, documents, options);
  if (shards.writes()) eval::write_online_eval(results, dir);
  return {{"em", results.exact_match},
          {"f1", results.f1},
          {"reference_em", results.reference_exact_match},
          {"reference_f1", results.reference_f1},
          {"questions", double(results.questions)}};
}

data::QADataset validation_documents(const data::QADataset& dataset, int64_t count) {
  data::StreamOptions options;
  options.shuffle = false;
  options.downsample_to = count;
  return data::make_stream(dataset, options);
}

}  // namespace amem::train
