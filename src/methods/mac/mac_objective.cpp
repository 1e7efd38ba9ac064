#include "amem/methods/mac/mac_objective.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "amem/methods/cmt/memory_aware.h"
#include "amem/train/lm_loss.h"

namespace amem::methods {

namespace {

train::LmBatch first_rows(const train::LmBatch& t, int64_t n) {
  return {t.input_ids.slice(0, 0, n), t.attention_mask.slice(0, 0, n), t.labels.slice(0, 0, n)};
}

// `part()` inside a profiler scope named `name` (amem.mac.*), so that LibTorch's profiler and
// bench/kernel_profile.h can say which part of the step the GPU time went to (backward included,
// through the autograd nodes' sequence numbers). Free when no profiler runs.
template <typename Part>
auto in_scope(const char* name, const Part& part) {
  RECORD_USER_SCOPE(name);
  return part();
}

}  // namespace

std::vector<torch::Tensor> MacBatch::tensors(bool with_texts) const {
  std::vector<torch::Tensor> out = {documents.ids,  documents.mask,    questions.ids, questions.mask,
                                    qa.input_ids, qa.attention_mask, qa.labels};
  if (with_texts) out.insert(out.end(), {texts.input_ids, texts.attention_mask, texts.labels});
  return out;
}

MacBatch MacBatch::from_tensors(const std::vector<torch::Tensor>& t) {
  if (t.size() != 7 && t.size() != 10) throw std::invalid_argument("MacBatch::from_tensors: expected 7 or 10 tensors");
  MacBatch batch{{t[0], t[1]}, {t[2], t[3]}, {t[4], t[5], t[6]}, {}};
  if (t.size() == 10) batch.texts = {t[7], t[8], t[9]};
  return batch;
}

int64_t mac_batch_tokens(const MacBatch& batch, double lift_ratio) {
  const int64_t lifted = lifted_count(batch.documents.ids.size(0), lift_ratio);
  // One device-to-host copy for the three sums.
  const auto sums = torch::stack({batch.documents.mask.sum().to(torch::kLong),
                                  batch.questions.mask.slice(0, 0, lifted).sum().to(torch::kLong),
                                  batch.qa.attention_mask.slice(0, 0, lifted).sum().to(torch::kLong)})
                        .cpu();
  return sums.sum().item<int64_t>();
}

int64_t lifted_count(int64_t n, double lift_ratio) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(n) * lift_ratio + 1e-9)));
}

torch::Tensor base_lm_logits(models::CausalLm& base_lm, const train::LmBatch& tokens, const models::Prefix* prefix) {
  if (!prefix) return base_lm.forward(tokens.input_ids, tokens.attention_mask, {}, nullptr);
  auto cache = models::KvCache::from_prefix(*prefix);
  // Prefix positions are real: every token attends to them, and positions count them.
  const auto prefix_mask = torch::ones({tokens.attention_mask.size(0), prefix->length()}, tokens.attention_mask.options());
  const auto mask = torch::cat({prefix_mask, tokens.attention_mask}, 1);
  return base_lm.forward(tokens.input_ids, mask, {}, &cache);
}

torch::Tensor base_lm_loss(models::CausalLm& base_lm, const train::LmBatch& tokens, const models::Prefix* prefix) {
  return train::lm_loss(base_lm_logits(base_lm, tokens, prefix), tokens.labels);
}

MacObjectiveOutput mac_objective(MacNetworksImpl& networks, models::CausalLm& base_lm, const MacBatch& batch,
                                 const MacObjectiveOptions& options) {
  const int64_t n = batch.documents.ids.size(0);
  const int64_t lifted = lifted_count(n, options.lift_ratio);
  auto amortize = [&](int64_t begin, int64_t end) {
    return networks.amortizer(batch.documents.ids.slice(0, begin, end), batch.documents.mask.slice(0, begin, end));
  };
  const torch::Tensor bank = in_scope("amem.mac.amortize", [&] {
    torch::Tensor lifted_bank = amortize(0, lifted);
    if (lifted == n) return lifted_bank;
    torch::Tensor rest;
    {
      torch::NoGradGuard no_grad;
      rest = amortize(lifted, n);
    }
    return torch::cat({lifted_bank, rest}, 0);  // outside the guard, or the lifted entries lose their graph
  });
  auto& aggregator = *networks.aggregator;
  const auto queries = in_scope("amem.mac.encode_questions", [&] {
    return aggregator.encode_questions(batch.questions.ids.slice(0, 0, lifted),
                                       batch.questions.mask.slice(0, 0, lifted));
  });
  const auto modulation = in_scope("amem.mac.aggregate", [&] {
    const auto memory = options.selector ? options.selector->select(queries, bank) : bank.unsqueeze(0);
    return options.aggregator ? options.aggregator->aggregate(aggregator, queries, memory, std::nullopt)
                              : aggregator.attend(queries, memory);
  });
  const auto base_dtype = base_lm.parameters().front().scalar_type();
  const auto prefix = in_scope("amem.mac.to_prefix", [&] { return networks.to_prefix(modulation, base_dtype); });
  const auto qa = first_rows(batch.qa, lifted);

  MacObjectiveOutput out;
  base_lm.train(options.gpt_drop && networks.is_training());
  const auto with_memory = in_scope("amem.mac.qa", [&] { return base_lm_logits(base_lm, qa, &prefix); });
  base_lm.eval();
  // MAC's loss, and the qa_loss metric also when CMT's memory-aware objective takes its place.
  const auto qa_loss = train::lm_loss(with_memory, qa.labels);
  out.loss = qa_loss;
  std::vector<std::pair<std::string, torch::Tensor>> cmt_parts;  // logged after MAC's metrics
  torch::Tensor without_memory;  // the base LM's logits without prefix, when the objective needs them
  if (options.memory_aware_alpha) {
    {
      // The frozen base LM in eval mode (our choice): the contrast is with its dropout-free answer.
      torch::NoGradGuard no_grad;
      RECORD_USER_SCOPE("amem.cmt.memory_aware");
      without_memory = base_lm_logits(base_lm, qa, nullptr);
    }
    out.loss = train::lm_loss(cmt::memory_aware_logits(with_memory, without_memory, *options.memory_aware_alpha),
                              qa.labels);
    cmt_parts.emplace_back("qa_loss_memory_aware", out.loss);
  }
  for (const auto& term : options.auxiliary_terms) {
    const auto value = term->loss({queries, bank});
    out.loss = out.loss + term->weight() * value;
    cmt_parts.emplace_back(term->name(), value);
  }
  if (!options.with_metrics) return out;

  torch::NoGradGuard no_grad;
  RECORD_USER_SCOPE("amem.mac.metrics");
  const auto texts = first_rows(batch.texts, lifted);
  // Float64 on the device: the gains then subtract exactly as the host would.
  const auto in_double = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat64); };
  const auto qa_value = in_double(qa_loss);
  // The same eval-mode forward as the memory-aware contrast's, so computed once.
  const auto qa_base = in_double(without_memory.defined() ? train::lm_loss(without_memory, qa.labels)
                                                          : base_lm_loss(base_lm, qa, nullptr));
  const auto text_loss = in_double(base_lm_loss(base_lm, texts, &prefix));
  const auto text_base = in_double(base_lm_loss(base_lm, texts, nullptr));
  out.device_metrics = {{"qa_loss", qa_value},
                        {"qa_loss_base", qa_base},
                        {"qa_gain_from_base", qa_base - qa_value},
                        {"text_loss", text_loss},
                        {"text_loss_base", text_base},
                        {"text_gain_from_base", text_base - text_loss}};
  for (const auto& [name, value] : cmt_parts) out.device_metrics.emplace_back(name, in_double(value));
  if (options.read_metrics) out.metrics = train::metrics_on_host(out.device_metrics);
  return out;
}

}  // namespace amem::methods
