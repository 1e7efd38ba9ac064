// T5 pre-training by span corruption (pretrain.objective: t5_span_corruption), as
// transformers' examples/flax/language-modeling/run_t5_mlm_flax.py trains a T5 from scratch:
// the corpus (tokenized_corpus.h) is packed with EOS after every document into raw chunks of
// the length that span corruption turns into inputs of exactly pretrain.sequence_length ids
// (span_corruption_lengths); each epoch visits the training chunks in a seeded shuffle
// (train/epoch_sampler.h), train.batch_size per micro-batch, each chunk corrupted afresh at
// every visit (t5_span_corruption.h; pretrain.noise_density, pretrain.mean_noise_span_length)
// by the task's own generator, which checkpoints carry. The loss is teacher-forced
// cross-entropy on every target id, the decoder reading the targets shifted right behind
// decoder_start_token_id (= pad, 0), as T5ForConditionalGeneration(labels=...) computes it.
// Validation is the mean loss over the held-out chunks corrupted once, by a generator seeded
// with pretrain.val_seed: the same examples at every validation and in every run. The best
// checkpoint is the one of lowest validation loss. The model is saved as a Hugging Face
// T5ForConditionalGeneration folder with the tokenizer (models/save_t5.h), which MAC reads as
// its amortizer and question encoder.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "amem/config/config.h"
#include "amem/models/t5.h"
#include "amem/pretrain/pretrain_settings.h"
#include "amem/pretrain/t5_span_corruption.h"
#include "amem/text/tokenizer.h"
#include "amem/train/epoch_sampler.h"
#include "amem/train/training_task.h"

namespace amem::pretrain {

// Span-corrupted examples: input_ids [B, inputs], labels [B, targets], int64.
struct SpanCorruptedBatch {
  torch::Tensor input_ids;
  torch::Tensor labels;
};

// Corrupts each row of `chunks` [B, tokens] (int64, on the CPU) with a mask drawn from `rng`,
// row after row (random_spans_noise_mask, corrupt_spans).
SpanCorruptedBatch corrupt_batch(const torch::Tensor& chunks, const SpanCorruptionShape& shape,
                                 int64_t first_sentinel_id, int64_t eos_id, std::mt19937_64& rng);

// labels [B, L] -> decoder inputs [B, L]: decoder_start_token_id, then labels[:, :-1]
// (T5PreTrainedModel._shift_right).
torch::Tensor shift_right(const torch::Tensor& labels, int64_t decoder_start_token_id);

class T5SpanCorruptionPretraining : public train::TrainingTask {
 public:
  // Reads pretrain.* (sequence_length: the encoder's input length, EOS included), train.batch_size,
  // run.seed, model.device (model.dtype must be fp32). The model is initialised from torch's
  // global generator, so seed it first. Errors (amem::ConfigError naming the key): those of
  // PretrainSettings::from, tokenize_corpus and t5_pretraining_config; a sequence_length that
  // span corruption cannot give exactly (it names the nearest that work) or that needs more
  // noise spans than T5's 100 sentinels; a training or validation text shorter than one chunk.
  explicit T5SpanCorruptionPretraining(const config::Config& config);

  train::NamedTensors trainable() override;
  torch::Device device() const override;
  train::StepOutput compute_loss() override;
  // The sampler's position and the corruption generator's state (its standard text form).
  train::TaskState state() const override;
  void restore_state(const train::TaskState& state) override;
  // {"loss", mean cross-entropy in nats per target id}, {"perplexity", exp(loss)},
  // {"tokens", target ids}; `output_dir` gets examples.safetensors, the corrupted validation
  // examples (input_ids, labels as int32), so that another implementation can score the same ones.
  train::Metrics validate(const std::filesystem::path& output_dir) override;
  train::ValidationSelection selection() const override { return {"loss", /*higher_is_better=*/false}; }
  void save_model(const std::filesystem::path& dir) override;

  models::T5ForConditionalGenerationImpl& model() { return *model_; }
  const SpanCorruptionLengths& lengths() const { return lengths_; }
  const torch::Tensor& train_chunks() const { return train_; }  // [N, lengths().tokens] int64
  const SpanCorruptedBatch& validation_examples() const { return validation_; }

 private:
  // The cross-entropy of every target id of `batch` (moved to the device), [B * targets].
  torch::Tensor token_losses(const SpanCorruptedBatch& batch);

  PretrainSettings settings_;
  SpanCorruptionShape shape_;
  SpanCorruptionLengths lengths_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  models::T5ForConditionalGeneration model_{nullptr};
  int64_t first_sentinel_id_ = 0, eos_id_ = 0;
  torch::Tensor train_;
  SpanCorruptedBatch validation_;
  std::optional<train::EpochSampler> sampler_;
  std::mt19937_64 rng_;
  int64_t batch_size_;
};

}  // namespace amem::pretrain
