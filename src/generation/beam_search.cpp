// Beam search as transformers 5 runs it (its vectorised _beam_search), so that results match
// token for token:
//  - each step ranks all num_beams x vocab continuations by summed log-probability and keeps
//    the best max(2, 1 + number of EOS ids)·num_beams candidates;
//  - candidates ending in EOS, or reaching max_new_tokens, are finished: among the first
//    num_beams candidates they enter the finished pool with score sum / length^length_penalty,
//    and the pool keeps the best num_beams;
//  - the best num_beams candidates that did not finish keep running;
//  - a row stops improving once its best running beam, scored at its current length, cannot
//    beat the worst finished hypothesis (early_stopping=False), or as soon as num_beams
//    hypotheses are finished (early_stopping=True).
#include <algorithm>

#include "amem/generation/generate.h"
#include "decoding_state.h"

namespace amem::generation {

namespace {

constexpr double kExcluded = -1.0e9;  // score added to candidates that may not be chosen

// Rows of x [B, N, ...] picked by index [B, M] along dim 1.
torch::Tensor gather_beams(const torch::Tensor& x, const torch::Tensor& index) {
  auto idx = index;
  while (idx.dim() < x.dim()) idx = idx.unsqueeze(-1);
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes[1] = index.size(1);
  return x.gather(1, idx.expand(sizes));
}

}  // namespace

torch::Tensor beam_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  const int64_t B = prompt.ids.size(0), K = options.num_beams, T = options.max_new_tokens;
  TORCH_CHECK(K >= 1 && T >= 1, "beam search needs num_beams >= 1 and max_new_tokens >= 1");
  // Enough candidates that K can keep running even if every EOS id takes one slot per beam.
  const int64_t candidates = std::max<int64_t>(2, 1 + int64_t(options.eos_ids.size())) * K;
  const auto long_opts = prompt.ids.options().dtype(torch::kLong);
  const auto float_opts = long_opts.dtype(torch::kFloat32);
  const auto bool_opts = long_opts.dtype(torch::kBool);

  DecodingState state(model, prompt, K);
  auto running_tokens = torch::full({B, K, T}, options.pad_id, long_opts);
  // Only the first beam is live at the start, so the first step does not pick K copies.
  auto running_scores = torch::full({B, K}, kExcluded, float_opts);
  running_scores.select(1, 0).fill_(0.0);
  auto finished_tokens = running_tokens.clone();
  auto finished_scores = torch::full({B, K}, kExcluded, float_opts);
  auto finished_lengths = torch::zeros({B, K}, long_opts);
  auto is_finished = torch::zeros({B, K}, bool_opts);
  auto improvable = torch::ones({B, 1}, bool_opts);
  // Only the best num_beams candidates of a step may become finished hypotheses.
  auto may_finish = (torch::arange(candidates, long_opts) < K).view({1, candidates});

  auto log_probs = state.first();
  for (int64_t t = 0; t < T; ++t) {
    const int64_t V = log_probs.size(-1);
    auto totals = (log_probs.view({B, K, V}) + running_scores.unsqueeze(-1)).view({B, K * V});
    auto [scores, flat] = totals.topk(candidates, 1);
    auto source_beam = flat.div(V, "floor"), token = flat.remainder(V);
    auto tokens = gather_beams(running_tokens, source_beam);
    tokens.select(2, t).copy_(token);
    auto ends = is_eos(token, options.eos_ids);
    if (t + 1 == T) ends.fill_(true);

    // Running beams for the next step: the best candidates that did not end.
    auto keep = (scores + ends.to(torch::kFloat32) * kExcluded).topk(K, 1);
    running_scores = std::get<0>(keep);
    auto kept = std::get<1>(keep);
    running_tokens = gather_beams(tokens, kept);
    auto origin = gather_beams(source_beam, kept);

    // Finished pool: merge this step's finishing candidates and keep the best K.
    // Each bar adds its own exclusion, as the reference does: when fewer than K hypotheses
    // have finished, excluded candidates fill the pool in the same order as there.
    auto bar = [](const torch::Tensor& condition) { return condition.to(torch::kFloat32) * kExcluded; };
    auto normalised = scores / std::pow(double(t + 1), options.length_penalty);
    if (options.early_stopping) normalised = normalised + bar(is_finished.all(1, true));
    normalised = normalised + bar(improvable.logical_not()) + bar(ends.logical_and(may_finish).logical_not());
    auto merged = torch::cat({finished_scores, normalised}, 1).topk(K, 1);
    finished_scores = std::get<0>(merged);
    auto chosen = std::get<1>(merged);
    finished_tokens = gather_beams(torch::cat({finished_tokens, tokens}, 1), chosen);
    finished_lengths = gather_beams(torch::cat({finished_lengths, torch::full({B, candidates}, t + 1, long_opts)}, 1), chosen);
    is_finished = gather_beams(torch::cat({is_finished, ends.logical_and(may_finish)}, 1), chosen);

    // Can a running beam still beat the worst finished hypothesis? Its best case is its
    // current score at its current length (scores only fall as tokens are added).
    auto best_running = running_scores.narrow(1, 0, 1) / std::pow(double(t + 1), options.length_penalty);
    auto worst_finished = torch::where(is_finished, std::get<0>(finished_scores.min(1, true)).expand({B, K}),
                                       torch::full({B, K}, kExcluded, float_opts));
    improvable &= (best_running > worst_finished).any(1, true);

    const bool all_done = options.early_stopping && is_finished.all().item<bool>();
    if (t + 1 == T || !improvable.any().item<bool>() || all_done || ends.all().item<bool>()) break;
    auto rows = (origin + torch::arange(B, long_opts).view({B, 1}) * K).view({-1});
    state.select_rows(rows);
    log_probs = state.next(running_tokens.select(2, t).reshape({-1}));
  }
  const int64_t length = finished_lengths.select(1, 0).max().item<int64_t>();
  return finished_tokens.select(1, 0).narrow(1, 0, length).contiguous();
}

}  // namespace amem::generation
