// CaMeLS's weight model (Hu et al., 2023): a small causal transformer reads a document and
// gives every token an importance weight for the base LM's fine-tuning loss on it:
//   hidden states of the body -> Linear(d, 128) -> GELU -> Linear(128, 1) -> softplus(β = 3),
// times the attention mask. The last layer starts at zero, so an untrained model weights every
// token alike (softplus(0) / 3 = log 2 / 3 ≈ 0.231).
//
// On disk (save / load) it is a Hugging Face checkpoint folder of the body (config.json,
// model.safetensors) plus token_weighting_head.safetensors; a plain checkpoint folder (e.g.
// distilgpt2) loads as a weight model with an untrained head.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "amem/models/causal_lm.h"
#include "amem/models/load_causal_lm.h"
#include "amem/train/training_checkpoint.h"

namespace amem::methods::camels {

struct WeightModelOptions {
  bool freeze_body = false;  // only the head learns; the body runs without gradients
  bool normalize = false;    // rescale each document's weights to mean 1 over its real tokens
};

class WeightModelImpl : public torch::nn::Module {
 public:
  // `body_dir`: where the body was read from (its config.json is saved with the model).
  WeightModelImpl(std::shared_ptr<models::CausalLm> body, std::string body_dir, const WeightModelOptions& options);

  // input_ids, attention_mask [B, L] -> weights [B, L], 0 on padding.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

  // What meta-training updates: the head, and the body unless frozen.
  train::NamedTensors trainable();
  bool trained_head() const { return trained_head_; }
  torch::Device device() const;
  int64_t vocab_size() const { return body_->shape().vocab_size; }

  // Writes the folder layout described above into the existing folder `dir`.
  void save(const std::filesystem::path& dir);

 private:
  friend std::shared_ptr<WeightModelImpl> load_weight_model(const std::string&, const WeightModelOptions&,
                                                            const models::LoadOptions&);
  std::shared_ptr<models::CausalLm> body_;
  std::string body_dir_;
  WeightModelOptions options_;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  bool trained_head_ = false;
};

// File name of the head's tensors inside a saved weight model.
inline constexpr const char* kTokenWeightingHeadFile = "token_weighting_head.safetensors";

// Loads `dir` (a saved weight model, or any causal-LM checkpoint folder for a fresh head, which
// is initialised from the current torch seed). Options' dtype is ignored: the weight model is
// trained in float32.
std::shared_ptr<WeightModelImpl> load_weight_model(const std::string& dir, const WeightModelOptions& options,
                                                   const models::LoadOptions& load);

}  // namespace amem::methods::camels
