#include "amem/memory/top_k_selector.h"

#include <tuple>

namespace amem::memory {

torch::Tensor TopKSelector::scores(const torch::Tensor& queries, const torch::Tensor& bank) const {
  torch::NoGradGuard no_grad;  // indices only: no gradient flows through the ranking
  auto q = queries.detach().to(torch::kFloat).mean(1);  // [B, d]
  auto m = bank.detach().to(torch::kFloat).mean(1);     // [N, d]
  if (similarity_ == Similarity::kCosine) {
    q = torch::nn::functional::normalize(q, torch::nn::functional::NormalizeFuncOptions().dim(1));
    m = torch::nn::functional::normalize(m, torch::nn::functional::NormalizeFuncOptions().dim(1));
  }
  return q.matmul(m.t());
}

torch::Tensor TopKSelector::select(const torch::Tensor& queries, const torch::Tensor& bank) const {
  const int64_t n = bank.size(0);
  if (k_ == 0 || k_ >= n) return bank.unsqueeze(0);
  const auto best = std::get<1>(scores(queries, bank).topk(k_, 1));  // [B, K]
  const auto in_bank_order = std::get<0>(best.sort(1));
  const int64_t batch = queries.size(0);
  return bank.index_select(0, in_bank_order.flatten()).view({batch, k_, bank.size(1), bank.size(2)});
}

config::Registration<Selector> top_k_selector_registration() {
  return {"top_k",
          [](config::Schema& schema) {
            schema.section("cmt.top_k", "CMT's top-k aggregation (cmt.selector: top_k)")
                .field<int64_t>("k", 16, "entries each question aggregates, the most similar ones; 0: every entry (MAC). Not given in the paper; our default")
                .at_least(0)
                .field<std::string>("similarity", "cosine", "how an entry is scored against the question, pooled over tokens: cosine (the paper's) or dot")
                .one_of({"cosine", "dot"})
                .field<bool>("during_training", false, "also select within each training batch's bank (the paper selects at answer time; our default: off)");
          },
          [](const config::Config& config) {
            const auto similarity = config.get<std::string>("cmt.top_k.similarity") == "dot" ? Similarity::kDot
                                                                                           : Similarity::kCosine;
            return std::make_shared<const TopKSelector>(config.get<int64_t>("cmt.top_k.k"), similarity,
                                                        config.get<bool>("cmt.top_k.during_training"));
          }};
}

}  // namespace amem::memory
