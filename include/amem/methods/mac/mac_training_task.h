// MAC's meta-training (`amem train` with train.method: mac): the amortization and aggregation
// networks learn, over batches of (document, question, answer) triples from data.train_path,
// to write the frozen base LM a prefix that answers the question (mac_objective.h).
//
// A micro-batch is train.batch_size triples drawn by a seeded epoch sampler; its documents are
// the memory bank every question of the batch reads. Validation builds the bank from the
// validation documents (train.val_documents of data.val_path) and answers their questions
// greedily under each question's aggregated prefix: EM/F1 of the plain aggregation ("em",
// "f1"), then of hierarchical aggregation with each of mac.context_windows ("f1_window16", ...),
// and the objective's losses on the validation triples in banks of train.batch_size ("qa_loss", ...).
// Data-parallel (docs/multi_gpu.md): each rank's micro-batch is its own memory bank, as in the
// reference (whose banks are per GPU); shard_data() gives each rank its share of the sampler's.
// The cmt section's switches (methods/cmt/cmt_settings.h) make this CMT's meta-training.
// save_model writes the trained networks alone (MacModel::save_networks), never the base LM.
#pragma once

#include <memory>
#include <vector>

#include "amem/config/config.h"
#include "amem/data/qa_dataset.h"
#include "amem/eval/eval_settings.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/methods/mac/mac_objective.h"
#include "amem/methods/mac/reference_qa_layout.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/training_task.h"

namespace amem::methods {

class MacTrainingTask : public train::TrainingTask {
 public:
  // Reads model.*, mac.*, data.train_path / val_path, train.batch_size / max_tokens /
  // val_documents / steps / grad_accum / metrics_every, eval.max_new_tokens / batch_size and
  // run.seed.
  explicit MacTrainingTask(const config::Config& config);

  train::NamedTensors trainable() override;
  torch::Device device() const override { return mac_.device(); }
  torch::nn::Module* trained_module() override { return mac_.networks().get(); }
  // The objective's metrics (its no-grad forwards: qa_loss_base, text_loss, ...) only on every
  // train.metrics_every-th step and the last; the loss is the same either way.
  train::StepOutput compute_loss() override;
  // train.cuda_graph: the micro-batch's tensors (MacBatch::tensors(), the texts only with
  // metrics) and their loss, whose metrics stay on the device (TrainSettings::from refuses
  // train.cuda_graph with mac.activation_checkpointing).
  std::optional<std::string> cuda_graph_refusal() const override;
  train::TensorBatch next_tensor_batch() override;
  train::StepOutput loss_on_tensors(const std::vector<torch::Tensor>& tensors, bool with_metrics) override;
  // The sampler's position alone: the networks are trainable() or frozen, the base LM frozen,
  // and the base LM's dropout (mac.gpt_drop) draws from the global generator.
  train::TaskState state() const override { return {sampler_.position(), {}}; }
  void restore_state(const train::TaskState& state) override { sampler_.set_position(state.values); }
  void shard_data(int rank, int world_size) override { sampler_.shard(rank, world_size); }
  train::Metrics validate(const std::filesystem::path& output_dir) override;
  void save_model(const std::filesystem::path& dir) override;

  MacModel& model() { return mac_; }
  // The objective on the given training triples (indices below triples()), its metrics read on
  // the host; compute_loss() is this on the sampler's next batch (metrics left on the device).
  train::StepOutput loss_on(const std::vector<size_t>& triples, bool with_metrics = true);
  size_t triples() const { return triples_.size(); }

 private:
  struct Triple {
    const data::Document* document;
    const data::Question* question;
  };

  static std::vector<Triple> triples_of(const data::QADataset& dataset);
  MacBatch batch_of(const std::vector<Triple>& triples, const std::vector<size_t>& indices) const;
  // The objective as mac.* and cmt.* set it (CMT's selector in training only with its
  // during_training), with this lift ratio and base-LM dropout.
  MacObjectiveOptions objective_options(double lift_ratio, bool gpt_drop, bool with_metrics = true) const;
  // qa_loss, qa_gain_from_base, ... on the validation triples (mac_objective.h).
  train::Metrics validation_losses();

  MacModel mac_;
  data::QADataset train_, val_;
  std::vector<Triple> triples_, val_triples_;
  train::EpochSampler sampler_;
  int64_t batch_size_, max_tokens_;
  std::optional<ReferenceQaLayout> reference_qa_;  // mac.qa_layout: reference; none: amem's rows
  int64_t steps_, grad_accum_, metrics_every_;  // train.*
  eval::EvalSettings eval_;  // how validation answers and scores
};

}  // namespace amem::methods
