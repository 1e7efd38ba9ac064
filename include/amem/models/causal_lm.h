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

  // model.vocab_pad_multiple: the output layer's GEMM runs on its weight padded with zero rows
  // to a multiple of `multiple` rows, and the padded logits are dropped before anything reads
  // them, so forward still returns [B, L, vocab_size]. Why: cuBLAS picks its fast tensor-core
  // kernels only when the logits' row stride is a multiple of 8 elements; GPT-2's 50,257 ids fall
  // back to an align-1 kernel: gpt2-xl's head over 2 x 4,096 tokens took 14.4 ms on an H200,
  // and 1.7 ms padded to 64. Megatron-LM pads its vocabulary for the same reason
  // (make-vocab-size-divisible-by). The logits change at GEMM rounding (another kernel sums in
  // another order). Each forward pads a copy of the weight (one pass over it, ~0.1 ms for
  // gpt2-xl's on an H200; on a CPU the copy costs more than the GEMM saves: leave 1 there).
  // 1 (the default) pads nothing. Throws std::invalid_argument below 1.
  void set_vocab_pad_multiple(int64_t multiple);
  int64_t vocab_pad_multiple() const { return vocab_pad_multiple_; }

 protected:
  // The logits a forward returns, [B, L, V], from the final hidden states [B, L, hidden] and the
  // output layer's weight [V, hidden] (tied or not), padded as set_vocab_pad_multiple says:
  // float32 for float32, bfloat16 and float16 weights (as HF's loss upcasts them), float64 for
  // float64 ones (gradient checks).
  torch::Tensor logits_of(const torch::Tensor& hidden, const torch::Tensor& output_weight) const;

 private:
  int64_t vocab_pad_multiple_ = 1;
};

// Hugging Face's positions for a left-padded batch: the number of real tokens before each
// position (padding gets 1, a harmless value it never uses). mask: [B, L] -> [B, L] int64.
torch::Tensor positions_from_mask(const torch::Tensor& attention_mask);

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
