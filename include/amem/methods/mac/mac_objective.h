// MAC's meta-training objective on one batch of (document, question, answer) triples.
//
// The batch's documents are amortized into a memory bank that every question reads; each
// question's aggregated modulation becomes a prefix of the frozen base LM, and the loss is the
// base LM's cross-entropy on the answer tokens alone under that prefix. Gradients reach the
// networks through the prefix; the base LM's parameters are frozen.
//
// lift_ratio < 1 (the reference's memory-saving "lift"): of N documents only the first
// floor(N x lift_ratio) are amortized with gradients, the rest under NoGradGuard, and only
// the questions of those first documents are asked. The bank still holds all N, so each
// question still has to find its document among N.
//
// CMT's techniques (methods/cmt/cmt_settings.h) plug in through the options: a selector keeps
// each question's entries of the bank before aggregation, the QA loss may be taken on CMT's
// memory-aware logits, and auxiliary terms add to the loss. Their defaults are MAC's objective.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "amem/memory/aggregator.h"
#include "amem/memory/selector.h"
#include "amem/methods/cmt/auxiliary_term.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/methods/mac/mac_networks.h"
#include "amem/models/causal_lm.h"
#include "amem/train/lm_batch.h"
#include "amem/train/training_task.h"

namespace amem::methods {

// Row i of every field belongs to triple i.
struct MacBatch {
  T5Tokens documents;   // amortization network input
  T5Tokens questions;   // aggregation network input
  train::LmBatch qa;     // base LM: question then answer, labels on the answer only
  train::LmBatch texts;  // base LM: the documents (text-loss metrics only)

  // The tensors in the order above (ids before masks before labels), and back: a batch as
  // TrainingTask::next_tensor_batch() hands it over (train.cuda_graph). Without `with_texts`
  // the seven before the texts, which only the metrics read (they are padded to each batch's
  // longest document, and a graph replays only batches of the shapes it recorded).
  std::vector<torch::Tensor> tensors(bool with_texts = true) const;
  static MacBatch from_tensors(const std::vector<torch::Tensor>& tensors);  // 7 or 10 tensors
};

struct MacObjectiveOptions {
  double lift_ratio = 1.0;
  bool gpt_drop = true;       // base LM in train mode for the loss (while the networks train)
  bool with_metrics = true;   // also the losses without prefix and on the documents (no grad)
  const memory::Selector* selector = nullptr;  // selection within the batch bank; null: every entry (MAC)
  std::optional<double> memory_aware_alpha;    // set: QA loss on CMT's adjusted logits (cmt/memory_aware.h)
  cmt::AuxiliaryTerms auxiliary_terms;         // loss += weight x term
  const memory::Aggregator* aggregator = nullptr;  // mac.aggregator, with no window; null: one attend (MAC)
  bool read_metrics = true;  // copy the metrics to the host (metrics); false: device_metrics alone
};

struct MacObjectiveOutput {
  // answer-only cross-entropy under the aggregated prefix (on the memory-aware logits when
  // memory_aware_alpha is set), plus each auxiliary term times its weight
  torch::Tensor loss;
  // qa_loss (the plain cross-entropy under the prefix), qa_gain_from_base, text_loss, ...; then
  // qa_loss_memory_aware and each term's value under its name when they are on
  std::vector<std::pair<std::string, double>> metrics;
  // The same metrics as float64 0-d tensors on the device, before any host copy (a CUDA graph
  // records them and the loop reads them after the step: train.cuda_graph).
  train::DeviceMetrics device_metrics;
};

MacObjectiveOutput mac_objective(MacNetworksImpl& networks, models::CausalLm& base_lm, const MacBatch& batch,
                                 const MacObjectiveOptions& options);

// The real tokens the objective reads from `batch` at `lift_ratio`: every document, the lifted
// questions and their question-answer rows (for tokens/s). Reads the masks on the host.
int64_t mac_batch_tokens(const MacBatch& batch, double lift_ratio);

// The number of documents amortized with gradients (and questions asked) in a batch of n:
// floor(n x lift_ratio), but at least one (an epoch's last batch may be short).
int64_t lifted_count(int64_t n, double lift_ratio);

// The base LM's logits [B, L, V] for `tokens` under `prefix` (null: none).
torch::Tensor base_lm_logits(models::CausalLm& base_lm, const train::LmBatch& tokens, const models::Prefix* prefix);
// The base LM's loss on `tokens` under `prefix` (null: none). Logits in float32.
torch::Tensor base_lm_loss(models::CausalLm& base_lm, const train::LmBatch& tokens, const models::Prefix* prefix);

}  // namespace amem::methods
