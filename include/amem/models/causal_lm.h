// The interface every decoder-only language model implements (GPT-2, LLaMA family), so that
// losses, generation, prefix modulation and the methods work with any of them.
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/models/kv_cache.h"

namespace amem::models {

struct CausalLmShape {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;  // < num_heads with grouped-query attention
  int64_t head_dim = 0;
  // The context length (GPT-2's n_positions, LLaMA's max_position_embeddings): a forward may
  // span at most this many positions, cached ones included.
  int64_t max_positions = 0;
};

class CausalLm : public torch::nn::Module {
 public:
  // Logits [B, L, V] (float32 whatever the weights' dtype, as HF's loss upcasts them; float64
  // for a float64 model, which gradient checks use).
  //   input_ids       [B, L]
  //   attention_mask  [B, cached + L]: 1 for real tokens, 0 for (left) padding; the first
  //                   `cached` columns describe what `cache` holds (prefix included).
  //                   Undefined: everything is real.
  //   position_ids    [B, L]; undefined: positions_from_mask(attention_mask) for the last L.
  //   cache           when given, attends to its contents and appends this step's keys and
  //                   values (generation, prefix modulation).
  virtual torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                const torch::Tensor& position_ids, KvCache* cache) = 0;

  // The final hidden states [B, L, hidden] instead of logits (same arguments).
  virtual torch::Tensor hidden_states(const torch::Tensor& input_ids,
                                      const torch::Tensor& attention_mask,
                                      const torch::Tensor& position_ids, KvCache* cache) = 0;

  virtual const CausalLmShape& shape() const = 0;

  // What Hugging Face's *ForCausalLM class puts before these modules' parameter names in its
  // checkpoints ("transformer." for GPT-2; LLaMA's modules already carry "model.").
  virtual std::string checkpoint_prefix() const { return ""; }
};

// Hugging Face's positions for a left-padded batch: the number of real tokens before each
// position (padding gets 1, a harmless value it never uses). mask: [B, L] -> [B, L] int64.
torch::Tensor positions_from_mask(const torch::Tensor& attention_mask);

// The logits a forward returns: float32 for float32, bfloat16 and float16 weights, float64 for
// float64 ones.
torch::Tensor output_logits(const torch::Tensor& logits);

// The mask and positions a forward needs when it is not given them (see CausalLm::forward).
// A forward spanning more than shape.max_positions (cached + L) is an amem::Error naming the
// lengths: past its context GPT-2 has no position embedding, and no model was trained there.
// An input id outside [0, shape.vocab_size) is an amem::Error naming the id and the size.
struct ResolvedInputs {
  torch::Tensor attention_mask;  // [B, cached + L]
  torch::Tensor position_ids;    // [B, L]
};
ResolvedInputs resolve_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, const KvCache* cache,
                              const CausalLmShape& shape);

}  // namespace amem::models
