// QA pre-tuning, as CaMeLS and MAC prepare their base LMs before online adaptation: the whole
// base LM is fine-tuned on the training set's question–answer pairs with the answer-only loss
// (lm_batch.h's layout), so that it answers in the datasets' short-answer format. Validation
// answers the validation questions greedily without documents (the "none" adapter); the best
// and last models are Hugging Face checkpoints that amem and transformers both load.
#pragma once

#include <memory>
#include <vector>

#include "amem/config/config.h"
#include "amem/data/qa_dataset.h"
#include "amem/eval/eval_settings.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_task.h"

namespace amem::models {
class CausalLm;
}
namespace amem::text {
class Tokenizer;
}

namespace amem::train {

class QaTuningTask : public TrainingTask {
 public:
  // Reads model.*, data.train_path / data.val_path, train.*, eval.max_new_tokens / batch_size.
  explicit QaTuningTask(const config::Config& config);
  ~QaTuningTask() override;

  NamedTensors trainable() override;
  torch::Device device() const override;
  StepOutput compute_loss() override;
  // The sampler's position alone: every parameter of the model is trainable() and it has no
  // buffers that training changes.
  TaskState state() const override { return {sampler_.position(), {}}; }
  void restore_state(const TaskState& state) override { sampler_.set_position(state.values); }
  void shard_data(int rank, int world_size) override { sampler_.shard(rank, world_size); }
  Metrics validate(const std::filesystem::path& output_dir) override;
  void save_model(const std::filesystem::path& dir) override;

  size_t training_pairs() const { return pairs_.size(); }

 private:
  std::string model_dir_;
  std::shared_ptr<models::CausalLm> model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  std::vector<data::Question> pairs_;  // every training question, with its target answer
  data::QADataset val_;
  EpochSampler sampler_;
  int64_t max_tokens_;
  eval::EvalSettings eval_;  // how validation answers and scores
};

}  // namespace amem::train
