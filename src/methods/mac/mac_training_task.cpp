#include "amem/methods/mac/mac_training_task.h"

#include <algorithm>
#include <optional>
#include <string>

#include "amem/core/error.h"
#include "amem/data/data_settings.h"
#include "amem/eval/adapter.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/memory/memory_bank.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/methods/mac/mac_objective.h"
#include "amem/methods/mac/reference_qa_layout.h"
#include "amem/run/run_settings.h"
#include "amem/train/lm_batch.h"
#include "amem/train/online_validation.h"
#include "amem/train/train_settings.h"

namespace amem::methods {

MacTrainingTask::MacTrainingTask(const config::Config& config)
    : mac_(MacSettings::from(config), models::ModelSettings::from(config)),
      train_(data::read_qa_dataset(data::DataSettings::train(config))),
      val_(train::validation_documents(data::read_qa_dataset(data::DataSettings::val(config)),
                                       config.get<int64_t>("train.val_documents"))),
      triples_(triples_of(train_)),
      val_triples_(triples_of(val_)),
      // (read_qa_dataset refuses a file without questions, so there is at least one triple)
      sampler_(triples_.size(), size_t(config.get<int64_t>("train.batch_size")),
               uint64_t(run::RunSettings::from(config).seed)) {
  const auto settings = train::TrainSettings::from(config);
  batch_size_ = settings.batch_size;
  max_tokens_ = settings.max_tokens;
  reference_qa_ = ReferenceQaLayout::from(config);
  if (reference_qa_) {
    // Fixed rows run under the prefix: a base LM with fewer positions would fail mid-training.
    const int64_t positions = mac_.base_lm().shape().max_positions;
    const int64_t needed = reference_qa_->qa_tokens + mac_.settings().layer_num_virtual_tokens;
    if (positions > 0 && needed > positions)
      throw ConfigError(config.source_of("mac.qa_tokens") + ": mac.qa_tokens: " + std::to_string(reference_qa_->qa_tokens) +
                        " tokens + " + std::to_string(mac_.settings().layer_num_virtual_tokens) +
                        " prefix positions exceed the base LM's " + std::to_string(positions) + " positions");
  }
  steps_ = settings.steps;
  grad_accum_ = settings.grad_accum;
  metrics_every_ = config.get<int64_t>("train.metrics_every");
  eval_ = eval::EvalSettings::from(config);
}

train::NamedTensors MacTrainingTask::trainable() {
  train::NamedTensors out;
  for (const auto& p : mac_.networks()->named_parameters())
    if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
  return out;
}

train::TensorBatch MacTrainingTask::next_tensor_batch() {
  // The step this micro-batch belongs to (0-based), from the batches drawn so far, which the
  // sampler's position (epoch, offset) gives, so that a resumed run counts on.
  const auto position = sampler_.position();
  const int64_t per_epoch = int64_t((triples_.size() + size_t(batch_size_) - 1) / size_t(batch_size_));
  const int64_t drawn = position["epoch"].get<int64_t>() * per_epoch +
                        int64_t((position["offset"].get<size_t>() + size_t(batch_size_) - 1) / size_t(batch_size_));
  // Each step draws grad_accum micro-batches on every rank; the position counts them all.
  const int64_t step = drawn / (grad_accum_ * sampler_.world_size());
  // The loop logs the last step whatever train.log_every says, so it gets its metrics too.
  const bool with_metrics = (step + 1) % metrics_every_ == 0 || step + 1 == steps_;
  const auto batch = batch_of(triples_, sampler_.next());
  return {batch.tensors(/*with_texts=*/with_metrics), mac_batch_tokens(batch, mac_.settings().lift_ratio), with_metrics};
}

train::StepOutput MacTrainingTask::loss_on_tensors(const std::vector<torch::Tensor>& tensors, bool with_metrics) {
  mac_.networks()->train();
  const auto& s = mac_.settings();
  auto options = objective_options(s.lift_ratio, s.gpt_drop, with_metrics);
  options.read_metrics = false;  // the loop reads them after the step (one copy; none while recording)
  auto out = mac_objective(*mac_.networks(), mac_.base_lm(), MacBatch::from_tensors(tensors), options);
  return {out.loss, {}, 0, std::move(out.device_metrics)};
}

train::StepOutput MacTrainingTask::compute_loss() {
  const auto batch = next_tensor_batch();
  auto out = loss_on_tensors(batch.tensors, batch.with_metrics);
  out.tokens = batch.tokens;
  return out;
}

std::optional<std::string> MacTrainingTask::cuda_graph_refusal() const {
  // What MAC's config could contradict (mac.activation_checkpointing, whose recomputation
  // restores generator states) TrainSettings::from refused before this task was built.
  return std::nullopt;
}

train::StepOutput MacTrainingTask::loss_on(const std::vector<size_t>& triples, bool with_metrics) {
  const auto batch = batch_of(triples_, triples);
  auto out = loss_on_tensors(batch.tensors(with_metrics), with_metrics);
  out.tokens = mac_batch_tokens(batch, mac_.settings().lift_ratio);
  out.metrics = train::metrics_on_host(out.device_metrics);  // callers read them on the host
  out.device_metrics.clear();
  return out;
}

MacObjectiveOptions MacTrainingTask::objective_options(double lift_ratio, bool gpt_drop, bool with_metrics) const {
  const auto& cmt = mac_.settings().cmt;
  return {lift_ratio, gpt_drop, with_metrics,
          cmt.selector->during_training() ? cmt.selector.get() : nullptr, cmt.memory_aware_alpha, cmt.auxiliary_terms,
          mac_.settings().aggregator.get()};
}

std::vector<MacTrainingTask::Triple> MacTrainingTask::triples_of(const data::QADataset& dataset) {
  std::vector<Triple> triples;
  for (const auto& document : dataset.documents)
    for (const auto& question : document.questions) triples.push_back({&document, &question});
  return triples;
}

MacBatch MacTrainingTask::batch_of(const std::vector<Triple>& triples, const std::vector<size_t>& indices) const {
  std::vector<std::string> documents, questions;
  std::vector<const data::Question*> pairs;
  for (const size_t i : indices) {
    documents.push_back(triples[i].document->text);
    questions.push_back(triples[i].question->text);
    pairs.push_back(triples[i].question);
  }
  const auto& tokenizer = *mac_.base_tokenizer();
  auto qa = reference_qa_ ? reference_qa_batch(tokenizer, pairs, reference_qa_->qa_tokens, reference_qa_->answer_tokens)
                          : train::qa_batch(tokenizer, pairs, max_tokens_);
  return {mac_.document_tokens(documents), mac_.question_tokens(questions, MacModel::QuestionUse::kTraining),
          qa.to(mac_.device()),
          train::text_batch(tokenizer, documents, max_tokens_).to(mac_.device())};
}

train::Metrics MacTrainingTask::validation_losses() {
  // As the reference: the validation triples in batches, each batch its own bank, all lifted;
  // every metric is the mean over batches. Data-parallel: each rank computes its share of the
  // batches; the sums run over all of them in batch order, as in one process.
  const auto& shards = validation_shards();
  const size_t batch = size_t(batch_size_), batches = (val_triples_.size() + batch - 1) / batch;
  std::vector<std::string> mine;  // per batch of this rank's: its metric names, then their values
  for (size_t b = 0; b < batches; ++b) {
    if (!shards.mine(b)) continue;
    std::vector<size_t> indices;
    for (size_t i = b * batch; i < std::min(val_triples_.size(), (b + 1) * batch); ++i) indices.push_back(i);
    const auto out = mac_objective(*mac_.networks(), mac_.base_lm(), batch_of(val_triples_, indices),
                                   objective_options(1.0, false));
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& [name, value] : out.metrics) {
      names.push_back(name);
      values.push_back(value);
    }
    mine.push_back(distributed::pack_strings({distributed::pack_strings(names), distributed::pack_values(values)}));
  }
  train::Metrics sums;
  for (const auto& blob : shards.gather(batches, mine, "the validation losses")) {
    const auto parts = distributed::unpack_strings(blob);
    const auto names = distributed::unpack_strings(parts.at(0));
    const auto values = distributed::unpack_values(parts.at(1));
    if (sums.empty())
      for (const auto& name : names) sums.emplace_back(name, 0.0);
    for (size_t m = 0; m < values.size(); ++m) sums[m].second += values[m];
  }
  for (auto& [name, value] : sums) value /= double(batches);
  return sums;
}

train::Metrics MacTrainingTask::validate(const std::filesystem::path& output_dir) {
  mac_.networks()->eval();
  const eval::GreedyAnswerer answerer(mac_.base_lm_ptr(), mac_.base_tokenizer(), eval_.answer);
  MacAdapter plain(mac_, answerer, std::nullopt);
  auto metrics = train::validate_online(plain, val_, eval_, output_dir / "plain", validation_shards());
  for (const int64_t window : mac_.settings().context_windows) {
    MacAdapter hierarchical(mac_, answerer, window);
    const auto name = "window" + std::to_string(window);
    for (const auto& [key, value] :
         train::validate_online(hierarchical, val_, eval_, output_dir / name, validation_shards())) {
      if (key != "questions") metrics.emplace_back(key + "_" + name, value);
    }
  }
  for (const auto& loss : validation_losses()) metrics.push_back(loss);
  return metrics;
}

void MacTrainingTask::save_model(const std::filesystem::path& dir) { mac_.save_networks(dir.string()); }

}  // namespace amem::methods
