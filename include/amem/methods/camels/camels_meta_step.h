// One meta-training step of CaMeLS (Hu et al., 2023), as differentiable functions:
//
//   inner step   the base LM, at parameters θ, takes one SGD step on the weighted language-
//                modelling loss of each document (sequential_update) or of the whole batch:
//                θ' = θ − inner_lr · ∇θ Σ_t w_t · loss_t / (B·(L−1)). With create_graph the step
//                is recorded, so θ' is a function of the weights w, and through them of the
//                weight model (second-order gradients).
//   outer loss   the answer-only QA loss of the updated LM on the batch's questions
//                + c_kl · KL(base ‖ updated) on unrelated (locality) text
//                + c_norm · mean over documents of the Lp norm of (w − 1) over real tokens.
//
// The base LM runs its own forward with the parameter tensors substituted
// (models/parameter_substitution.h); its registered parameters are never changed here.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "amem/models/causal_lm.h"
#include "amem/train/lm_batch.h"
#include "amem/train/training_task.h"

namespace amem::methods::camels {

class WeightModelImpl;

// Parameter tensors of a causal LM by name (models::ParameterSubstitution's replacements).
using ParameterMap = std::map<std::string, torch::Tensor>;

// The LM's registered parameters, detached (same storage, no copy).
ParameterMap current_parameters(models::CausalLm& lm);

// The logits [B, L, V] of `lm` at `parameters` on `batch`.
torch::Tensor logits_at(models::CausalLm& lm, const ParameterMap& parameters, const train::LmBatch& batch);

// The reference's weighted LM loss: each predicted token's loss times the weight of that token,
// averaged over all B·(L−1) positions (padding counts 0). weights [B, L].
torch::Tensor weighted_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights);

// θ' after the inner step(s) from `start` on `documents` weighted by `weights` [B, L]. Without
// create_graph the result is detached.
ParameterMap adapted_parameters(models::CausalLm& lm, const ParameterMap& start, const train::LmBatch& documents,
                                const torch::Tensor& weights, double inner_lr, bool sequential, bool create_graph);

// Σ_v p(v) (log p(v) − log q(v)) per position of logits [B, L, V], averaged over positions
// where mask [B, L] is 1: KL of the distribution `before` to the distribution `after`.
torch::Tensor masked_kl(const torch::Tensor& before, const torch::Tensor& after, const torch::Tensor& mask);

// (Σ_t |w_t − 1|^p · m_t / Σ_t m_t)^(1/p) per document, averaged over the batch (the reference's
// norm "from one", over real tokens).
torch::Tensor weight_norm_from_one(const torch::Tensor& weights, const torch::Tensor& mask, double p);

struct MetaBatch {
  train::LmBatch documents;  // one row per example
  train::LmBatch questions;  // answer-only QA batch, row i asks about document i
  train::LmBatch locality;   // unrelated text; input_ids undefined when c_kl is 0
};

struct MetaObjective {
  double inner_lr = 5e-4;
  bool sequential_update = true;
  double c_kl = 0.1;
  double c_norm = 0.0;
  double norm_p = 2.0;
};

struct MetaStepResult {
  torch::Tensor loss;      // the outer loss; differentiable w.r.t. the weight model when create_graph
  ParameterMap adapted;    // θ', detached
  train::Metrics metrics;  // qa_loss, qa_gain, text_loss, text_gain, kl, weight_norm_from_one, outer_loss
};

// Scores the documents with `weight_model`, adapts the base LM from `start`, and returns the
// outer loss. With create_graph (training) the loss backpropagates into the weight model; without
// (validation) nothing is recorded and the loss is a plain value.
MetaStepResult meta_step(WeightModelImpl& weight_model, models::CausalLm& base, const ParameterMap& start,
                         const MetaBatch& batch, const MetaObjective& objective, bool create_graph);

}  // namespace amem::methods::camels
