#include "amem/generation/generate.h"
#include "decoding_state.h"

namespace amem::generation {

torch::Tensor greedy_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  DecodingState state(model, prompt, /*copies=*/1);
  auto running = torch::ones({prompt.ids.size(0)}, prompt.ids.options().dtype(torch::kBool));
  std::vector<torch::Tensor> steps;
  auto log_probs = state.first();
  for (int64_t t = 0; t < options.max_new_tokens; ++t) {
    // Rows that already produced an EOS keep emitting padding.
    auto tokens = log_probs.argmax(-1).masked_fill(running.logical_not(), options.pad_id);
    steps.push_back(tokens);
    running &= is_eos(tokens, options.eos_ids).logical_not();
    if (!running.any().item<bool>() || t + 1 == options.max_new_tokens) break;
    log_probs = state.next(tokens);
  }
  return torch::stack(steps, 1);
}

}  // namespace amem::generation
