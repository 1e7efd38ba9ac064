// The online-adaptation evaluation of MAC and CaMeLS: the test documents are streamed into an
// adapter one by one, in stream order, and the adapter is told the stream has ended; then
// every question about them is answered, and each answer is scored twice:
//   official   SQuAD v1.1 EM and F1 against all of the question's gold answers, the best of
//              each (squad_metric.h): the clean metric;
//   reference  as the MAC and CaMeLS code scores it (reference_protocol.h): against one gold,
//              the dataset's single answer cut to gold_max_tokens tokens and decoded as the
//              reference does, with EM counting a prediction that starts with that gold.
// Both score the same prediction text: the one the adapter returned (its rule is
// eval.prediction_text), so the two sets differ by the scoring alone.
//
// Scores are in percent everywhere, as the official SQuAD v1.1 script reports them: a question's
// EM is 0 or 100 and its F1 0 to 100, and the run's are their means (squad_metric.h scores a
// single answer in 0 to 1).
//
// run_online_eval computes; write_online_eval records, atomically, in a run folder:
//   predictions.jsonl  one object per question: document, id, question, golds, prediction,
//                      em (0 or 100), f1 (0 to 100), reference_gold, reference_em,
//                      reference_f1
//   results.json       adapter, exact_match and f1 (official, mean over questions),
//                      reference_exact_match and reference_f1 (reference, mean over
//                      questions), documents, questions, adapt_seconds_per_document
//                      {median, mean}, finish_stream_seconds (the adapter's step after the
//                      stream, e.g. the QA light-tune), peak memory bytes, memory_bank
//                      (documents, loaded, bytes, bytes_per_document; null for adapters that
//                      store nothing per document); with eval.retention.* also
//                      retention {first_documents, every, questions, points: [{documents_seen,
//                      after_finish_stream, exact_match, f1, reference_exact_match,
//                      reference_f1}]}, with eval.distractors.* also distractors {source, seed,
//                      pool_documents, points: [{fraction, distractor_documents, exact_match, f1,
//                      reference_exact_match, reference_f1}]} (stream_protocols.h); absent when off
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/data/qa_dataset.h"
#include "amem/eval/adapter.h"
#include "amem/eval/peak_memory.h"
#include "amem/eval/stream_protocols.h"
#include "amem/run/metrics_log.h"
#include "amem/run/progress.h"

namespace amem::distributed {
class BatchShards;
}

namespace amem::eval {

struct ScoredPrediction {
  std::string document_id;
  const data::Question* question;  // into the stream passed to run_online_eval
  std::string prediction;
  double exact_match = 0;  // official, percent: 0 or 100
  double f1 = 0;           // official, percent: 0 to 100
  std::string reference_gold;        // the one gold the reference scores against
  double reference_exact_match = 0;  // percent: 0 or 100
  double reference_f1 = 0;           // percent: 0 to 100
};

struct OnlineEvalResults {
  std::string adapter;
  double exact_match = 0;  // official, percent, mean over questions
  double f1 = 0;           // official, percent, mean over questions
  double reference_exact_match = 0, reference_f1 = 0;  // reference, percent, mean over questions
  size_t documents = 0, questions = 0;
  double adapt_seconds_median = 0, adapt_seconds_mean = 0;  // wall time of absorb() per document
  double finish_stream_seconds = 0;                           // wall time of finish_stream()
  PeakMemory peak;
  std::optional<StoredMemory> stored_memory;  // Adapter::stored_memory() after the stream
  std::vector<ScoredPrediction> predictions;  // stream order
  std::optional<RetentionCurve> retention;    // when OnlineEvalOptions::retention is set
  std::optional<DistractorCurve> distractors;  // run_distractor_curve's, set by the caller
};

struct OnlineEvalOptions {
  int64_t batch_size = 16;  // questions per answer() call
  int64_t gold_max_tokens = 24;  // the reference gold's token cut (reference_gold, eval.gold_max_tokens)
  run::ProgressOutput progress = run::ProgressOutput::standard();
  run::MetricsLog* metrics = nullptr;  // when set: {"step": document index, "adapt_seconds": s} per document
  std::optional<RetentionSettings> retention;  // re-answer the first documents' questions mid-stream
  // Data-parallel validation (distributed/batch_shards.h): every rank absorbs the whole stream,
  // answers its share of the batch_size batches of questions, and gets every answer back in
  // stream order, so that each rank's results are the one process's. None: one process.
  const distributed::BatchShards* shards = nullptr;
};

// Throws amem::Error when the adapter returns a different number of answers than asked for.
OnlineEvalResults run_online_eval(Adapter& adapter, const data::QADataset& stream, const OnlineEvalOptions& options);

// The mean scores of `predictions` (all zero for none).
Scores mean_scores(const std::vector<ScoredPrediction>& predictions);

// One online evaluation per fraction of settings.fractions, each of a fresh adapter (made by
// `fresh_adapter`, which must give the same adapter every time: seed first) on
// pool.stream_with(fraction); options.retention and options.metrics are not used.
DistractorCurve run_distractor_curve(const std::function<std::unique_ptr<Adapter>()>& fresh_adapter,
                                     const DistractorPool& pool, const DistractorSettings& settings,
                                     OnlineEvalOptions options);

void write_online_eval(const OnlineEvalResults& results, const std::filesystem::path& dir);

}  // namespace amem::eval
