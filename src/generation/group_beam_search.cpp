#include "amem/generation/group_beam_search.h"

#include <algorithm>

#include "beam_hypotheses.h"
#include "decoding_state.h"

namespace amem::generation {

namespace {

constexpr double kNotLive = -1.0e9;  // transformers' initial score of all but a group's first row

bool is_eos_id(int64_t token, const std::vector<int64_t>& eos_ids) {
  return std::find(eos_ids.begin(), eos_ids.end(), token) != eos_ids.end();
}

// HammingDiversityLogitsProcessor: minus diversity_penalty times how often the earlier groups
// chose each token at this step. transformers multiplies the Python float by the long counts,
// which gives a float32 tensor, and subtracts that from the log-probabilities.
torch::Tensor diversity_penalised(const torch::Tensor& log_probs, const std::vector<int64_t>& earlier_tokens,
                                  double diversity_penalty) {
  if (earlier_tokens.empty() || diversity_penalty <= 0) return log_probs;
  const int64_t V = log_probs.size(-1);
  auto frequency = torch::bincount(torch::tensor(earlier_tokens, torch::kLong), {}, V);
  TORCH_CHECK(frequency.size(0) == V, "group beam search: a token id chosen at this step (pad_id?) is outside the "
              "vocabulary of ", V);
  auto penalty = frequency.to(torch::kFloat32) * diversity_penalty;
  return log_probs - penalty.to(log_probs.device()).to(log_probs.scalar_type());
}

}  // namespace

GroupBeamResult group_beam_search(NextTokenSource& source, const GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  const int64_t N = options.num_beams, G = options.num_beam_groups, T = options.max_new_tokens;
  TORCH_CHECK(N >= 2, "group beam search needs num_beams >= 2, got ", N);
  TORCH_CHECK(G >= 1 && N % G == 0, "group beam search: num_beam_groups ", G, " must divide num_beams ", N);
  TORCH_CHECK(options.diversity_penalty >= 0, "group beam search: diversity_penalty must be >= 0");
  TORCH_CHECK(T >= 1, "group beam search needs max_new_tokens >= 1");
  const int64_t S = N / G;
  // Spare candidates, so that S can keep running even when EOS ids take places.
  const int64_t candidates = std::max<int64_t>(2, 1 + int64_t(options.eos_ids.size())) * S;

  auto log_probs = source.first();
  TORCH_CHECK(log_probs.dim() == 2 && log_probs.size(0) == N, "group beam search: the source gave log-probabilities ",
              log_probs.sizes(), " for ", N, " beams");
  auto beam_scores = torch::full({N}, kNotLive, log_probs.options());
  for (int64_t g = 0; g < G; ++g) beam_scores[g * S].fill_(0.0);
  std::vector<std::vector<int64_t>> sequences(static_cast<size_t>(N));
  std::vector<BeamHypotheses> finished(size_t(G), BeamHypotheses(S, options.length_penalty, options.early_stopping));
  std::vector<bool> done(static_cast<size_t>(G), false);

  int64_t steps = 0;
  while (true) {
    const int64_t V = log_probs.size(1);
    std::vector<int64_t> chosen(static_cast<size_t>(N), 0), origin(static_cast<size_t>(N), 0);
    for (int64_t g = 0; g < G; ++g) {
      const int64_t start = g * S;
      if (done[size_t(g)]) {
        // A done group's rows all continue row `start` with pad_id, at score 0.
        beam_scores.narrow(0, start, S).fill_(0.0);
        for (int64_t r = 0; r < S; ++r) {
          chosen[size_t(start + r)] = options.pad_id;
          origin[size_t(start + r)] = start;
        }
        continue;
      }
      const std::vector<int64_t> earlier(chosen.begin(), chosen.begin() + start);
      auto scores = diversity_penalised(log_probs.narrow(0, start, S), earlier, options.diversity_penalty) +
                    beam_scores.narrow(0, start, S).unsqueeze(1);
      auto [top_scores, top_index] = scores.reshape({-1}).topk(candidates, 0, /*largest=*/true, /*sorted=*/true);
      top_scores = top_scores.cpu();
      top_index = top_index.cpu();
      const auto* index = top_index.data_ptr<int64_t>();

      std::vector<int64_t> ranks;  // the candidates that keep running, in rank order
      for (int64_t rank = 0; rank < candidates && int64_t(ranks.size()) < S; ++rank) {
        const int64_t token = index[rank] % V;
        if (!is_eos_id(token, options.eos_ids)) {
          ranks.push_back(rank);
          continue;
        }
        if (rank >= S) continue;  // only the best S candidates may finish
        finished[size_t(g)].add(sequences[size_t(start + index[rank] / V)], top_scores[rank].item<double>(), steps + 1);
      }
      TORCH_CHECK(int64_t(ranks.size()) == S, "group beam search: fewer than ", S, " candidates without EOS");
      beam_scores.narrow(0, start, S).copy_(top_scores.index_select(0, torch::tensor(ranks, torch::kLong)));
      for (int64_t r = 0; r < S; ++r) {
        chosen[size_t(start + r)] = index[ranks[size_t(r)]] % V;
        origin[size_t(start + r)] = start + index[ranks[size_t(r)]] / V;
      }
      done[size_t(g)] = finished[size_t(g)].is_done(top_scores[0].item<double>(), steps + 1);
    }
    std::vector<std::vector<int64_t>> next(static_cast<size_t>(N));
    for (int64_t row = 0; row < N; ++row) {
      next[size_t(row)] = sequences[size_t(origin[size_t(row)])];
      next[size_t(row)].push_back(chosen[size_t(row)]);
    }
    sequences = std::move(next);
    ++steps;
    if (steps == T || std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    source.select_rows(torch::tensor(origin, torch::kLong).to(log_probs.device()));
    log_probs = source.next(torch::tensor(chosen, torch::kLong).to(log_probs.device()));
  }

  // Groups still running offer their beams as they stand; then the best over all groups.
  const auto final_scores = beam_scores.cpu().to(torch::kFloat64);
  std::vector<Hypothesis> pool;
  for (int64_t g = 0; g < G; ++g) {
    if (!done[size_t(g)])
      for (int64_t r = 0; r < S; ++r)
        finished[size_t(g)].add(sequences[size_t(g * S + r)], final_scores[g * S + r].item<double>(), steps);
    const auto& kept = finished[size_t(g)].hypotheses();
    pool.insert(pool.end(), kept.begin(), kept.end());
  }
  // Python's sorted() is stable and pop() takes the last: among equal scores, the latest.
  std::stable_sort(pool.begin(), pool.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
  GroupBeamResult result{pool.back().tokens, pool.back().score};
  if (int64_t(result.tokens.size()) < T && !options.eos_ids.empty()) result.tokens.push_back(options.eos_ids.front());
  return result;
}

GroupBeamResult group_beam_search(models::CausalLm& model, const Prompt& prompt, const GenerationOptions& options) {
  TORCH_CHECK(prompt.ids.size(0) == 1, "group beam search decodes one prompt per call, got ", prompt.ids.size(0));
  torch::NoGradGuard no_grad;
  DecodingState state(model, prompt, options.num_beams);
  return group_beam_search(state, options);
}

}  // namespace amem::generation
