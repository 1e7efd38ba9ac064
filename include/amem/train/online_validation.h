// Validation as the methods are judged: the online evaluation (eval/online_eval.h) of an adapter
// on the validation documents, recorded in the validation's folder (predictions.jsonl,
// results.json). Training tasks return its metrics from TrainingTask::validate.
#pragma once

#include <filesystem>

#include "amem/data/qa_dataset.h"
#include "amem/distributed/batch_shards.h"
#include "amem/eval/adapter.h"
#include "amem/eval/eval_settings.h"
#include "amem/train/training_task.h"

namespace amem::train {

// {"em", EM percent}, {"f1", F1 percent} (official SQuAD v1.1, what best-checkpoint selection
// reads), {"reference_em", ...}, {"reference_f1", ...} (the MAC/CaMeLS reference scoring of the
// same predictions), {"questions", count}. `eval` gives the batch size and the reference gold's cut.
// Under data parallelism `shards` splits the question batches over the ranks (OnlineEvalOptions::
// shards); every rank gets the one-process metrics and only shards.writes() writes into `dir`.
Metrics validate_online(eval::Adapter& adapter, const data::QADataset& documents, const eval::EvalSettings& eval,
                        const std::filesystem::path& dir, const distributed::BatchShards& shards = distributed::BatchShards());

// The validation set a run uses: the file's first `count` documents (all when count < 0), in
// file order, so every validation of a run (and of a resumed run) asks the same questions.
data::QADataset validation_documents(const data::QADataset& dataset, int64_t count);

}  // namespace amem::train
