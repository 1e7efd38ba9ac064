#include "amem/eval/online_eval.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <numeric>

#include <torch/torch.h>

#include "amem/core/error.h"
#include "amem/distributed/batch_shards.h"
#include "amem/eval/reference_protocol.h"
#include "amem/eval/squad_metric.h"
#include "amem/io/atomic_file.h"

namespace amem::eval {

namespace {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2) return values[mid];
  return (values[mid] + *std::max_element(values.begin(), values.begin() + mid)) / 2;
}

// Seconds each document's absorb() took. `after_document` is called with the number of documents
// absorbed so far after each one (outside its timing).
std::vector<double> absorb_stream(Adapter& adapter, const data::QADataset& stream, const OnlineEvalOptions& options,
                                  const std::function<void(size_t)>& after_document) {
  std::vector<double> seconds;
  run::Progress progress("adapt", int64_t(stream.documents.size()), options.progress);
  for (const auto& document : stream.documents) {
    const auto start = std::chrono::steady_clock::now();
    try {
      adapter.absorb(document);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      // Adapters name the document; where it stands in the (shuffled) stream only the harness knows.
      throw Error("stream position " + std::to_string(seconds.size() + 1) + " of " +
                  std::to_string(stream.documents.size()) + ": " + e.what());
    }
    // CUDA work is asynchronous: wait for it, so the time is the document's own.
    if (torch::cuda::is_available()) torch::cuda::synchronize();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (options.metrics) options.metrics->log(int64_t(seconds.size() - 1), {{"adapt_seconds", seconds.back()}});
    after_document(seconds.size());
    progress.advance();
  }
  progress.finish();
  return seconds;
}

std::vector<ScoredPrediction> answer_stream(Adapter& adapter, const data::QADataset& stream,
                                            const OnlineEvalOptions& options, const std::string& label = "answer") {
  std::vector<ScoredPrediction> scored;
  for (const auto& document : stream.documents)
    for (const auto& question : document.questions) {
      ScoredPrediction s;
      s.document_id = document.id;
      s.question = &question;
      s.reference_gold = reference_gold(adapter.answer_tokenizer(), question.target, options.gold_max_tokens);
      scored.push_back(std::move(s));
    }

  const distributed::BatchShards one_process;
  const distributed::BatchShards& shards = options.shards ? *options.shards : one_process;
  const size_t batch_size = size_t(options.batch_size);
  const size_t batches = (scored.size() + batch_size - 1) / batch_size;
  size_t questions_of_mine = 0;
  for (size_t b = 0; b < batches; ++b)
    if (shards.mine(b)) questions_of_mine += std::min(batch_size, scored.size() - b * batch_size);
  run::Progress progress(label, int64_t(questions_of_mine), options.progress);
  std::vector<std::string> mine;  // this rank's batches' answers
  for (size_t b = 0; b < batches; ++b) {
    const size_t begin = b * batch_size, end = std::min(scored.size(), begin + batch_size);
    if (!shards.mine(b)) continue;
    std::vector<data::Question> batch;
    for (size_t i = begin; i < end; ++i) batch.push_back(*scored[i].question);
    const auto answers = adapter.answer(batch);
    if (answers.size() != batch.size())
      throw Error("adapter '" + adapter.name() + "' returned " + std::to_string(answers.size()) +
                  " answers for " + std::to_string(batch.size()) + " questions");
    mine.push_back(distributed::pack_strings(answers));
    progress.advance(int64_t(end - begin));
  }
  progress.finish();
  const auto answered = shards.gather(batches, mine, "the answers of " + label);
  for (size_t b = 0; b < batches; ++b) {
    const size_t begin = b * batch_size, end = std::min(scored.size(), begin + batch_size);
    const auto answers = distributed::unpack_strings(answered[b]);
    for (size_t i = begin; i < end; ++i) {
      auto& s = scored[i];
      s.prediction = answers[i - begin];
      const auto score = score_answer(s.prediction, s.question->answers);
      s.exact_match = 100.0 * score.exact_match;
      s.f1 = 100.0 * score.f1;
      const auto reference = reference_score(s.prediction, s.reference_gold);
      s.reference_exact_match = 100.0 * reference.exact_match;
      s.reference_f1 = 100.0 * reference.f1;
    }
  }
  return scored;
}

// Model output can be any bytes (a byte-level tokenizer may stop inside a UTF-8 sequence):
// invalid sequences are written as U+FFFD rather than failing the run at its very end.
std::string to_json_text(const nlohmann::ordered_json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json scores_json(const Scores& s) {
  return {{"exact_match", s.exact_match}, {"f1", s.f1}, {"reference_exact_match", s.reference_exact_match},
          {"reference_f1", s.reference_f1}};
}

}  // namespace

Scores mean_scores(const std::vector<ScoredPrediction>& predictions) {
  Scores s;
  for (const auto& p : predictions) {
    s.exact_match += p.exact_match;
    s.f1 += p.f1;
    s.reference_exact_match += p.reference_exact_match;
    s.reference_f1 += p.reference_f1;
  }
  if (!predictions.empty())
    for (double* mean : {&s.exact_match, &s.f1, &s.reference_exact_match, &s.reference_f1}) *mean /= double(predictions.size());
  return s;
}

OnlineEvalResults run_online_eval(Adapter& adapter, const data::QADataset& stream, const OnlineEvalOptions& options) {
  OnlineEvalResults r;
  r.adapter = adapter.name();
  r.documents = stream.documents.size();
  // Retention: the first documents, whose questions are answered again as the stream grows.
  data::QADataset first;
  if (options.retention) {
    options.retention->check(stream.documents.size());
    r.retention = RetentionCurve{*options.retention, 0, {}};
    first.documents.assign(stream.documents.begin(), stream.documents.begin() + options.retention->first_documents);
    r.retention->questions = first.question_count();
  }
  const auto after_document = [&](size_t seen) {
    if (!options.retention) return;
    const auto& settings = *options.retention;
    if (seen % size_t(settings.every) != 0 || seen < size_t(settings.first_documents) || seen == stream.documents.size())
      return;  // the stream's last point is the final answers, below
    const auto answers = answer_stream(adapter, first, options, "retention@" + std::to_string(seen));
    r.retention->points.push_back({seen, false, mean_scores(answers)});
  };
  const auto seconds = absorb_stream(adapter, stream, options, after_document);
  const auto start = std::chrono::steady_clock::now();
  adapter.finish_stream();
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  r.finish_stream_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.stored_memory = adapter.stored_memory();
  r.adapt_seconds_median = median(seconds);
  r.adapt_seconds_mean = seconds.empty() ? 0 : std::accumulate(seconds.begin(), seconds.end(), 0.0) / double(seconds.size());
  r.predictions = answer_stream(adapter, stream, options);
  r.questions = r.predictions.size();
  const auto all = mean_scores(r.predictions);
  r.exact_match = all.exact_match;
  r.f1 = all.f1;
  r.reference_exact_match = all.reference_exact_match;
  r.reference_f1 = all.reference_f1;
  if (r.retention) {
    // The first documents' questions come first in stream order.
    const std::vector<ScoredPrediction> first_answers(r.predictions.begin(), r.predictions.begin() + long(r.retention->questions));
    r.retention->points.push_back({stream.documents.size(), true, mean_scores(first_answers)});
  }
  r.peak = peak_memory();
  return r;
}

DistractorCurve run_distractor_curve(const std::function<std::unique_ptr<Adapter>()>& fresh_adapter,
                                     const DistractorPool& pool, const DistractorSettings& settings,
                                     OnlineEvalOptions options) {
  options.retention.reset();
  options.metrics = nullptr;
  DistractorCurve curve{settings.source.path, settings.seed, pool.size(), {}};
  for (double fraction : settings.fractions) {
    const auto adapter = fresh_adapter();
    const auto results = run_online_eval(*adapter, pool.stream_with(fraction), options);
    curve.points.push_back({fraction, pool.count(fraction), mean_scores(results.predictions)});
  }
  return curve;
}

void write_online_eval(const OnlineEvalResults& results, const std::filesystem::path& dir) {
  io::write_file_atomic((dir / "predictions.jsonl").string(), [&](std::ostream& out) {
    for (const auto& p : results.predictions) {
      nlohmann::ordered_json line = {{"document", p.document_id}, {"id", p.question->id},
                                     {"question", p.question->text}, {"golds", p.question->answers},
                                     {"prediction", p.prediction}, {"em", p.exact_match}, {"f1", p.f1},
                                     {"reference_gold", p.reference_gold}, {"reference_em", p.reference_exact_match},
                                     {"reference_f1", p.reference_f1}};
      out << to_json_text(line, -1) << "\n";
    }
  });
  nlohmann::ordered_json memory;  // null unless the adapter stores something per document
  if (const auto& m = results.stored_memory)
    memory = {{"documents", m->documents}, {"loaded", m->loaded}, {"bytes", m->bytes()},
              {"bytes_per_document", m->bytes_per_document}};
  nlohmann::ordered_json summary = {
      {"adapter", results.adapter},
      {"exact_match", results.exact_match},
      {"f1", results.f1},
      {"reference_exact_match", results.reference_exact_match},
      {"reference_f1", results.reference_f1},
      {"documents", results.documents},
      {"questions", results.questions},
      {"adapt_seconds_per_document", {{"median", results.adapt_seconds_median}, {"mean", results.adapt_seconds_mean}}},
      {"finish_stream_seconds", results.finish_stream_seconds},
      {"peak_cpu_memory_bytes", results.peak.cpu_bytes},
      {"peak_cuda_memory_bytes", results.peak.cuda_bytes ? nlohmann::ordered_json(*results.peak.cuda_bytes) : nlohmann::ordered_json()},
      {"memory_bank", memory},
  };
  if (const auto& retention = results.retention) {
    auto points = nlohmann::ordered_json::array();
    for (const auto& p : retention->points) {
      nlohmann::ordered_json point = {{"documents_seen", p.documents_seen}, {"after_finish_stream", p.after_finish_stream}};
      point.update(scores_json(p.scores));
      points.push_back(point);
    }
    summary["retention"] = {{"first_documents", retention->settings.first_documents},
                            {"every", retention->settings.every},
                            {"questions", retention->questions},
                            {"points", points}};
  }
  if (const auto& distractors = results.distractors) {
    auto points = nlohmann::ordered_json::array();
    for (const auto& p : distractors->points) {
      nlohmann::ordered_json point = {{"fraction", p.fraction}, {"distractor_documents", p.distractor_documents}};
      point.update(scores_json(p.scores));
      points.push_back(point);
    }
    summary["distractors"] = {{"source", distractors->source}, {"seed", distractors->seed},
                              {"pool_documents", distractors->pool_documents}, {"points", points}};
  }
  io::write_file_atomic((dir / "results.json").string(), to_json_text(summary, 2) + "\n");
}

}  // namespace amem::eval
