// Causal-LM pre-training of a new GPT-2 or LLaMA-shaped model (pretrain.objective: causal_lm):
// the corpus (tokenized_corpus.h) is packed into sequences of pretrain.sequence_length tokens
// with EOS after every document (sequence_packing.h); each epoch visits the training sequences
// in a seeded shuffle (train/epoch_sampler.h), train.batch_size per micro-batch, with the
// next-token loss on every position (train/lm_loss.h). Validation is the mean next-token loss
// over every held-out sequence, and its perplexity exp(loss); the best checkpoint is the one of
// lowest validation loss. The model is saved as a Hugging Face checkpoint folder with its
// tokenizer files (config.json, model.safetensors, vocab.json + merges.txt or the
// sentencepiece model, tokenizer_config.json for a byte-level BPE), which amem's --model /
// model.path and transformers' from_pretrained both load.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "amem/config/config.h"
#include "amem/pretrain/pretrain_settings.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/training_task.h"

namespace amem::models {
class CausalLm;
}
namespace amem::text {
class Tokenizer;
}

namespace amem::pretrain {

class CausalLmPretraining : public train::TrainingTask {
 public:
  // Reads pretrain.*, train.batch_size, run.seed, model.device (model.dtype must stay fp32:
  // the weights are trained in float32, train.bf16_autocast makes the forward bf16). The
  // model is initialised from torch's global generator, so seed it first. Errors: those of
  // PretrainSettings::from, tokenize_corpus and causal_lm_config; sequence_length beyond the
  // model's context, or a training or validation text shorter than one sequence, are
  // amem::ConfigError naming the key.
  explicit CausalLmPretraining(const config::Config& config);
  ~CausalLmPretraining() override;

  train::NamedTensors trainable() override;
  torch::Device device() const override;
  train::StepOutput compute_loss() override;
  // The sampler's position alone: every tensor of the model is trainable() and the model has
  // no buffers that training changes.
  train::TaskState state() const override { return {sampler_->position(), {}}; }
  void restore_state(const train::TaskState& state) override { sampler_->set_position(state.values); }
  void shard_data(int rank, int world_size) override { sampler_->shard(rank, world_size); }
  // {"loss", mean next-token loss in nats}, {"perplexity", exp(loss)}, {"tokens", predicted tokens}.
  train::Metrics validate(const std::filesystem::path& output_dir) override;
  train::ValidationSelection selection() const override { return {"loss", /*higher_is_better=*/false}; }
  void save_model(const std::filesystem::path& dir) override;

  models::CausalLm& model() { return *model_; }
  const torch::Tensor& train_sequences() const { return train_; }       // [N, sequence_length] int64
  const torch::Tensor& validation_sequences() const { return val_; }  // [M, sequence_length] int64

 private:
  PretrainSettings settings_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  nlohmann::json config_json_;  // the model's config.json
  std::shared_ptr<models::CausalLm> model_;
  torch::Tensor train_, val_;
  std::optional<train::EpochSampler> sampler_;  // made once train_ is known to be non-empty
  int64_t batch_size_;
};

}  // namespace amem::pretrain
