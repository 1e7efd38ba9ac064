// Meta-training of CaMeLS's weight model (`amem train` with a camels config), as a task of the
// shared training loop (train/training_loop.h).
//
// Each micro-batch is train.batch_size (document, question) pairs of the training set. The weight
// model scores the documents; the base LM (model.path, QA-pre-tuned in real runs, never itself
// trained) takes the differentiable inner step(s) from its current weights; the outer loss
// (camels_meta_step.h) backpropagates into the weight model. The base LM then continues from the
// updated weights, and returns to its starting weights every camels.reset_base_freq documents,
// so the weight model learns for streams of that length. Checkpoints keep the cycle: the count
// of documents since the last reset and, between resets, the base LM's updated weights.
//
// Validation gives two sets of metrics. The reference's: the meta-step losses (meta_qa_loss,
// meta_qa_gain, meta_kl, ...; no second-order graph) over the validation (document, question)
// pairs in order, with the same resets. The online evaluation's: the validation documents streamed
// through the "camels" adapter from the base LM's starting weights (restored afterwards), answers
// scored by EM/F1. The weights of the first validation document are drawn into token_weights.html.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "amem/config/config.h"
#include "amem/data/qa_dataset.h"
#include "amem/eval/eval_settings.h"
#include "amem/methods/adapt_settings.h"
#include "amem/methods/camels/camels_meta_step.h"
#include "amem/methods/camels/camels_settings.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/training_task.h"

namespace amem::text {
class Tokenizer;
}

namespace amem::methods::camels {

class CamelsTrainingTask : public train::TrainingTask {
 public:
  // Reads model.*, camels.*, data.train_path / data.val_path, train.batch_size / max_tokens /
  // val_documents, adapt.* (validation's adaptation), eval.max_new_tokens / batch_size, run.seed.
  explicit CamelsTrainingTask(const config::Config& config);

  train::NamedTensors trainable() override;
  torch::Device device() const override;
  train::StepOutput compute_loss() override;
  // {"examples", "locality"} sampler positions and "documents_since_reset"; tensors
  // "base/<parameter>" (the updated base weights) only between resets, as at a reset they are
  // the base LM's own.
  train::TaskState state() const override;
  void restore_state(const train::TaskState& state) override;
  train::Metrics validate(const std::filesystem::path& output_dir) override;
  void save_model(const std::filesystem::path& dir) override;

  WeightModelImpl& weight_model() { return *weight_model_; }

 private:
  struct Example {
    size_t document;
    size_t question;
  };
  // The meta-batch of `examples` of `dataset`, with the locality passages `locality` (indices).
  MetaBatch make_batch(const data::QADataset& dataset, const std::vector<Example>& examples,
                       const std::vector<size_t>& locality) const;
  // One meta step from base_weights_, then the base LM moves on or resets.
  MetaStepResult step_and_advance(const MetaBatch& batch, bool create_graph);
  train::Metrics meta_validation();
  void write_weight_picture(const std::filesystem::path& path);

  CamelsSettings settings_;
  AdaptSettings adapt_;
  std::shared_ptr<models::CausalLm> base_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  std::shared_ptr<WeightModelImpl> weight_model_;
  data::QADataset train_, val_;
  std::vector<Example> examples_, val_examples_;
  std::vector<std::string> locality_texts_;
  train::EpochSampler examples_sampler_, locality_sampler_;
  MetaObjective objective_;
  int64_t batch_size_, max_tokens_;
  eval::EvalSettings eval_;  // how validation answers and scores
  ParameterMap base_weights_;  // where the base LM continues from: its own (starting) weights, or updated ones
  int64_t documents_since_reset_ = 0;
};

}  // namespace amem::methods::camels
