#include "amem/models/causal_lm.h"

#include "amem/core/error.h"
#include "amem/device/cuda_graph.h"

#include <stdexcept>
#include <string>

namespace amem::models {

void CausalLm::set_vocab_pad_multiple(int64_t multiple) {
  if (multiple < 1) throw std::invalid_argument("vocab_pad_multiple: " + std::to_string(multiple) + ", expected >= 1");
  vocab_pad_multiple_ = multiple;
}

torch::Tensor CausalLm::logits_of(const torch::Tensor& hidden, const torch::Tensor& output_weight) const {
  const int64_t vocab = output_weight.size(0);
  const int64_t padded = (vocab + vocab_pad_multiple_ - 1) / vocab_pad_multiple_ * vocab_pad_multiple_;
  auto logits = padded == vocab
                    ? torch::matmul(hidden, output_weight.t())
                    // Zero rows below the weight; their columns are sliced off at once. Under
                    // autocast the pad copies the float32 weight before the bf16 cast (~0.1 ms
                    // for gpt2-xl), and its backward is the slice of the gradient.
                    : torch::matmul(hidden, torch::constant_pad_nd(output_weight, {0, 0, 0, padded - vocab}).t())
                          .narrow(-1, 0, vocab);
  // Contiguous, as without padding: the float32 copy makes it so, and a float32 GEMM's slice
  // is copied (callers view the logits' rows).
  return logits.to(at::promote_types(logits.scalar_type(), torch::kFloat32)).contiguous();
}

torch::Tensor positions_from_mask(const torch::Tensor& attention_mask) {
  auto mask = attention_mask.to(torch::kLong);
  return (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1);
}

ResolvedInputs resolve_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, const KvCache* cache,
                              const CausalLmShape& shape) {
  const int64_t batch = input_ids.size(0), length = input_ids.size(1);
  const int64_t cached = cache ? cache->length() : 0;
  if (cached + length > shape.max_positions)
    throw Error("causal LM: a forward over " + std::to_string(cached + length) + " positions (" +
                std::to_string(cached) + " cached + " + std::to_string(length) +
                " new) exceeds the model's context of " + std::to_string(shape.max_positions));
  // An id beyond the embedding would fail inside LibTorch as "index out of range in self". The
  // loaders check the tokenizer's size against the model's; this catches ids from elsewhere.
  // A CUDA graph being recorded (train.cuda_graph) cannot read values on the host: its batches
  // come from the tokenizers the loaders checked, and its first step ran eagerly, checked.
  if (input_ids.numel() > 0 && !device::CudaGraph::recording()) {
    const auto range = torch::stack({input_ids.min(), input_ids.max()}).cpu();
    const int64_t lowest = range[0].item<int64_t>(), highest = range[1].item<int64_t>();
    if (lowest < 0 || highest >= shape.vocab_size)
      throw Error("causal LM: input token id " + std::to_string(lowest < 0 ? lowest : highest) +
                  " is outside the model's vocabulary of " + std::to_string(shape.vocab_size) +
                  " ids (vocab_size in its config.json)");
  }
  ResolvedInputs out;
  out.attention_mask = attention_mask.defined()
                           ? attention_mask
                           : torch::ones({batch, cached + length}, input_ids.options().dtype(torch::kLong));
  TORCH_CHECK(out.attention_mask.size(1) == cached + length, "attention_mask covers ",
              out.attention_mask.size(1), " positions, expected cached ", cached, " + new ", length);
  out.position_ids = position_ids.defined()
                         ? position_ids
                         : positions_from_mask(out.attention_mask).narrow(1, cached, length);
  return out;
}

}  // namespace amem::models
