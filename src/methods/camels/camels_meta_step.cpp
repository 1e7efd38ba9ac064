#include "amem/methods/camels/camels_meta_step.h"

#include <optional>

#include "amem/layers/attention.h"
#include "amem/methods/camels/weight_model.h"
#include "amem/models/parameter_substitution.h"
#include "amem/train/lm_loss.h"

namespace amem::methods::camels {

namespace {

train::LmBatch row(const train::LmBatch& batch, int64_t i) {
  return {batch.input_ids.slice(0, i, i + 1), batch.attention_mask.slice(0, i, i + 1), batch.labels.slice(0, i, i + 1)};
}

ParameterMap detached(const ParameterMap& parameters) {
  ParameterMap out;
  for (const auto& [name, tensor] : parameters) out.emplace(name, tensor.detach());
  return out;
}

// θ − lr·∇θ loss, for every parameter the loss depends on.
void sgd_step(ParameterMap& parameters, const torch::Tensor& loss, double lr, bool create_graph) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> inputs;
  for (const auto& [name, tensor] : parameters) {
    names.push_back(name);
    inputs.push_back(tensor);
  }
  const auto grads = torch::autograd::grad({loss}, inputs, {}, /*retain_graph=*/create_graph, create_graph,
                                           /*allow_unused=*/true);
  for (size_t i = 0; i < names.size(); ++i) {
    if (!grads[i].defined()) continue;
    if (create_graph) {
      parameters[names[i]] = inputs[i] - lr * grads[i];
    } else {
      torch::NoGradGuard no_grad;
      parameters[names[i]] = (inputs[i] - lr * grads[i]).requires_grad_(true);
    }
  }
}

}  // namespace

ParameterMap current_parameters(models::CausalLm& lm) {
  ParameterMap out;
  for (const auto& item : lm.named_parameters()) out.emplace(item.key(), item.value().detach());
  return out;
}

torch::Tensor logits_at(models::CausalLm& lm, const ParameterMap& parameters, const train::LmBatch& batch) {
  models::ParameterSubstitution substituted(lm, parameters);
  return lm.forward(batch.input_ids, batch.attention_mask, {}, nullptr);
}

torch::Tensor weighted_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights) {
  const auto losses = train::lm_token_losses(logits, labels);
  return (losses * weights.narrow(1, 1, weights.size(1) - 1).to(losses.scalar_type())).mean();
}

ParameterMap adapted_parameters(models::CausalLm& lm, const ParameterMap& start, const train::LmBatch& documents,
                                const torch::Tensor& weights, double inner_lr, bool sequential, bool create_graph) {
  std::optional<layers::TwiceDifferentiableAttention> twice;
  if (create_graph) twice.emplace();
  const auto w = create_graph ? weights : weights.detach();
  // The inner gradient is taken w.r.t. these tensors; `start` itself stays out of the graph (the
  // reference's copy_initial_weights).
  ParameterMap parameters;
  for (const auto& [name, tensor] : start) parameters.emplace(name, tensor.detach().requires_grad_(true));
  torch::AutoGradMode grad_mode(true);
  if (sequential) {
    for (int64_t i = 0; i < documents.input_ids.size(0); ++i) {
      const auto document = row(documents, i);
      const auto loss = weighted_lm_loss(logits_at(lm, parameters, document), document.labels, w.slice(0, i, i + 1));
      sgd_step(parameters, loss, inner_lr, create_graph);
    }
  } else {
    const auto loss = weighted_lm_loss(logits_at(lm, parameters, documents), documents.labels, w);
    sgd_step(parameters, loss, inner_lr, create_graph);
  }
  return create_graph ? parameters : detached(parameters);
}

torch::Tensor masked_kl(const torch::Tensor& before, const torch::Tensor& after, const torch::Tensor& mask) {
  const auto log_p = torch::log_softmax(before, -1), log_q = torch::log_softmax(after, -1);
  const auto kl = (log_p.exp() * (log_p - log_q)).sum(-1);
  const auto m = mask.to(kl.scalar_type());
  return (kl * m).sum() / m.sum();
}

torch::Tensor weight_norm_from_one(const torch::Tensor& weights, const torch::Tensor& mask, double p) {
  const auto m = mask.to(weights.scalar_type());
  const auto share = m / m.sum(1, true);
  return ((weights - 1).abs().pow(p) * share).sum(1).pow(1.0 / p).mean();
}

MetaStepResult meta_step(WeightModelImpl& weight_model, models::CausalLm& base, const ParameterMap& start,
                         const MetaBatch& batch, const MetaObjective& objective, bool create_graph) {
  std::optional<layers::TwiceDifferentiableAttention> twice;
  if (create_graph) twice.emplace();
  const bool locality = objective.c_kl > 0;
  double qa_before, text_before;
  torch::Tensor locality_before;
  {
    torch::NoGradGuard no_grad;
    qa_before = train::lm_loss(logits_at(base, start, batch.questions), batch.questions.labels).item<double>();
    text_before = train::lm_loss(logits_at(base, start, batch.documents), batch.documents.labels).item<double>();
    if (locality) locality_before = logits_at(base, start, batch.locality);
  }
  const auto& documents = batch.documents;
  torch::Tensor weights;
  {
    std::optional<torch::NoGradGuard> no_grad;
    if (!create_graph) no_grad.emplace();
    weights = weight_model.forward(documents.input_ids, documents.attention_mask);
  }
  auto adapted = adapted_parameters(base, start, documents, weights, objective.inner_lr, objective.sequential_update,
                                    create_graph);

  MetaStepResult result;
  std::optional<torch::NoGradGuard> no_grad;
  if (!create_graph) no_grad.emplace();
  const auto qa_loss = train::lm_loss(logits_at(base, adapted, batch.questions), batch.questions.labels);
  auto total = qa_loss;
  double kl_value = 0;
  if (locality) {
    const auto kl = masked_kl(locality_before, logits_at(base, adapted, batch.locality), batch.locality.attention_mask);
    total = total + objective.c_kl * kl;
    kl_value = kl.item<double>();
  }
  const auto norm = weight_norm_from_one(weights, documents.attention_mask, objective.norm_p);
  if (objective.c_norm > 0) total = total + objective.c_norm * norm;
  result.adapted = detached(adapted);
  double text_after;
  {
    torch::NoGradGuard inner_no_grad;
    text_after = train::lm_loss(logits_at(base, result.adapted, documents), documents.labels).item<double>();
  }
  const double qa_after = qa_loss.item<double>();
  result.loss = total;
  result.metrics = {{"qa_loss", qa_after},
                    {"qa_gain", qa_before - qa_after},
                    {"text_loss", text_after},
                    {"text_gain", text_before - text_after},
                    {"kl", kl_value},
                    {"weight_norm_from_one", norm.item<double>()},
                    {"mean_weight", (weights.sum() / documents.attention_mask.sum()).item<double>()},
                    {"outer_loss", total.item<double>()}};
  return result;
}

}  // namespace amem::methods::camels
