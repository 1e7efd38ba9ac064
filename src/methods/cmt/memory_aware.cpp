#include "amem/methods/cmt/memory_aware.h"

namespace amem::methods::cmt {

torch::Tensor memory_aware_logits(const torch::Tensor& with_memory, const torch::Tensor& without_memory, double alpha) {
  // Widened first, as lm_loss widens logits, so that α = 0 gives lm_loss the very values MAC's
  // loss reads.
  const auto type = with_memory.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  return (1.0 + alpha) * with_memory.to(type) - alpha * without_memory.detach().to(type);
}

}  // namespace amem::methods::cmt
