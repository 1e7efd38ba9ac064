// CMT's memory-aware objective (Li et al., AAAI 2025, "memory-aware objective"): the QA loss is
// the answer-only cross-entropy on adjusted logits
//
//   (1 + α) · l(y | M*, q) − α · l(y | q)
//
// the frozen base LM's logits under the memory prefix, contrasted with its logits for the same
// tokens without any prefix (one extra forward, no gradient). α = 0 is MAC's loss exactly.
#pragma once

#include <torch/torch.h>

namespace amem::methods::cmt {

// with_memory, without_memory [B, L, V] -> the adjusted logits [B, L, V] in float32 (float64
// stays float64): gradients reach with_memory scaled by 1 + α, never without_memory.
torch::Tensor memory_aware_logits(const torch::Tensor& with_memory, const torch::Tensor& without_memory, double alpha);

}  // namespace amem::methods::cmt
