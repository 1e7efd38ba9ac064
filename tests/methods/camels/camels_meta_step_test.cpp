#include "amem/methods/camels/camels_meta_step.h"

#include <gtest/gtest.h>

#include <iostream>

#include "amem/methods/camels/weight_model.h"
#include "amem/models/load_causal_lm.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"

using namespace amem;
using namespace amem::methods::camels;

namespace {

const std::string kModel = std::string(AMEM_TEST_DATA_DIR) + "/models/tiny-gpt2";

data::Question question(const std::string& text, const std::string& target) {
  data::Question q;
  q.text = text;
  q.target = target;
  return q;
}

MetaBatch meta_batch(const text::Tokenizer& tokenizer) {
  const auto q1 = question("Who was elected mayor of Korra?", "Ines Varga");
  const auto q2 = question("When did the bridge open?", "1931");
  MetaBatch batch;
  batch.documents = train::text_batch(
      tokenizer, {"The island of Korra elected Ines Varga as its mayor.", "The old bridge opened in 1931."}, 32);
  batch.questions = train::qa_batch(tokenizer, {&q1, &q2}, 32);
  batch.locality = train::text_batch(tokenizer, {"Rain fell over the quiet harbour all night."}, 32);
  return batch;
}

// A float64 base LM and weight model (both tiny GPT-2), with the weight model's zero-initialised
// last layer set to small random values so that every parameter has a gradient.
struct Fixture {
  std::shared_ptr<models::CausalLm> base;
  std::shared_ptr<WeightModelImpl> weight_model;
  std::unique_ptr<text::Tokenizer> tokenizer = text::load_tokenizer(kModel);

  explicit Fixture(torch::ScalarType dtype) {
    torch::manual_seed(0);
    base = models::load_causal_lm(kModel);
    base->to(dtype);
    weight_model = load_weight_model(kModel, {}, {});
    weight_model->to(dtype);
    torch::NoGradGuard no_grad;
    auto params = weight_model->named_parameters();
    params["fc2.weight"].copy_(torch::randn_like(params["fc2.weight"]) * 0.3);
    params["fc2.bias"].fill_(0.2);
  }
};

}  // namespace

TEST(CamelsMetaStep, SecondOrderGradientMatchesCentralFiniteDifferences) {
  Fixture f(torch::kFloat64);
  const auto batch = meta_batch(*f.tokenizer);
  const auto start = current_parameters(*f.base);
  auto params = f.weight_model->named_parameters();
  // (parameter, flat index): the head's two layers and a parameter deep in the body.
  const std::vector<std::pair<std::string, int64_t>> probes = {
      {"fc2.weight", 3}, {"fc2.bias", 0}, {"fc1.weight", 200}, {"fc1.bias", 7}, {"body.h.0.attn.c_attn.weight", 1000}};
  for (const bool sequential : {true, false}) {
    // c_norm 0: the weights reach the loss only through the inner step, so a first-order-only
    // implementation would give zero gradients.
    for (const double c_norm : {0.0, 0.5}) {
      MetaObjective objective;
      objective.inner_lr = 2.0;  // large, so that the second-order effect is far above rounding
      objective.sequential_update = sequential;
      objective.c_kl = 0.5;
      objective.c_norm = c_norm;
      f.weight_model->zero_grad();
      meta_step(*f.weight_model, *f.base, start, batch, objective, /*create_graph=*/true).loss.backward();
      for (const auto& [name, index] : probes) {
        auto flat = params[name].view({-1});
        const double analytic = params[name].grad().view({-1})[index].item<double>();
        const double h = 2e-6;  // truncation (h²) and rounding (1e-16 / h) errors both stay below 1e-7 here
        const double value = flat[index].item<double>();
        auto loss_at = [&](double x) {
          {
            torch::NoGradGuard no_grad;
            flat[index].fill_(x);
          }
          return meta_step(*f.weight_model, *f.base, start, batch, objective, false).loss.item<double>();
        };
        const double numeric = (loss_at(value + h) - loss_at(value - h)) / (2 * h);
        loss_at(value);
        const double relative = std::abs(analytic - numeric) / std::max(std::abs(analytic), std::abs(numeric));
        std::cout << "finite differences: sequential=" << sequential << " c_norm=" << c_norm << " " << name << "["
                  << index << "] analytic " << analytic << " numeric " << numeric << " relative error " << relative
                  << "\n";
        EXPECT_GT(std::abs(analytic), 1e-6) << name;
        EXPECT_LT(relative, 1e-6) << name << " sequential=" << sequential;
      }
    }
  }
}

TEST(CamelsMetaStep, LeavesTheBaseLmUnchangedAndAdaptsTowardsTheDocuments) {
  Fixture f(torch::kFloat32);
  const auto batch = meta_batch(*f.tokenizer);
  std::vector<torch::Tensor> before;
  for (const auto& p : f.base->parameters()) before.push_back(p.detach().clone());
  const auto start = current_parameters(*f.base);
  MetaObjective objective;
  objective.inner_lr = 0.05;
  auto result = meta_step(*f.weight_model, *f.base, start, batch, objective, true);
  result.loss.backward();
  const auto after = f.base->parameters();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));
  EXPECT_FALSE(torch::equal(result.adapted.at("wte.weight"), start.at("wte.weight")));
  EXPECT_FALSE(result.adapted.at("wte.weight").requires_grad());
  const std::map<std::string, double> metrics(result.metrics.begin(), result.metrics.end());
  EXPECT_GT(metrics.at("text_gain"), 0);  // the step lowered the documents' loss
  EXPECT_DOUBLE_EQ(metrics.at("outer_loss"), result.loss.item<double>());
}

TEST(CamelsMetaStep, SequentialUpdateIsOneStepPerDocumentInOrder) {
  Fixture f(torch::kFloat64);
  const auto batch = meta_batch(*f.tokenizer);
  const auto start = current_parameters(*f.base);
  torch::NoGradGuard no_grad;
  const auto weights = f.weight_model->forward(batch.documents.input_ids, batch.documents.attention_mask);
  const auto both = adapted_parameters(*f.base, start, batch.documents, weights, 0.1, true, false);
  auto row = [&](int64_t i) {
    train::LmBatch b{batch.documents.input_ids.slice(0, i, i + 1), batch.documents.attention_mask.slice(0, i, i + 1),
                     batch.documents.labels.slice(0, i, i + 1)};
    return b;
  };
  const auto first = adapted_parameters(*f.base, start, row(0), weights.slice(0, 0, 1), 0.1, true, false);
  const auto second = adapted_parameters(*f.base, first, row(1), weights.slice(0, 1, 2), 0.1, true, false);
  const auto batched = adapted_parameters(*f.base, start, batch.documents, weights, 0.1, false, false);
  for (const auto& [name, tensor] : both) EXPECT_TRUE(torch::allclose(tensor, second.at(name), 1e-12, 1e-12)) << name;
  EXPECT_FALSE(torch::allclose(both.at("wte.weight"), batched.at("wte.weight"), 1e-9, 1e-9));
}

TEST(CamelsMetaStep, LossesOnHandWorkedCases) {
  // Weighted loss: per-token losses times the predicted token's weight, over B·(L−1) positions.
  const auto logits = torch::zeros({1, 3, 4}, torch::kFloat64);  // uniform: every loss is log 4
  const auto labels = torch::tensor({{0, 1, 2}}, torch::kLong);
  const auto weights = torch::tensor({{9.0, 1.0, 3.0}}, torch::kFloat64);
  EXPECT_NEAR(weighted_lm_loss(logits, labels, weights).item<double>(), std::log(4.0) * (1.0 + 3.0) / 2, 1e-12);
  const auto padded = torch::tensor({{int64_t{0}, int64_t{1}, train::kIgnoreIndex}});
  EXPECT_NEAR(weighted_lm_loss(logits, padded, weights).item<double>(), std::log(4.0) * 1.0 / 2, 1e-12);

  // KL(p ‖ q) for p = (1/2, 1/2), q = (1/4, 3/4) at the one unmasked position.
  const auto before = torch::zeros({1, 2, 2}, torch::kFloat64);
  const auto after = torch::tensor({{{0.0, std::log(3.0)}, {5.0, 0.0}}}, torch::kFloat64);
  const double expected = 0.5 * std::log(0.5 / 0.25) + 0.5 * std::log(0.5 / 0.75);
  EXPECT_NEAR(masked_kl(before, after, torch::tensor({{1, 0}})).item<double>(), expected, 1e-12);
  EXPECT_NEAR(masked_kl(before, before, torch::tensor({{1, 1}})).item<double>(), 0.0, 1e-12);

  // Norm from one, p = 2: document 1 has weights 1 and 3 on its real tokens -> sqrt((0 + 4) / 2);
  // document 2 has weight 0 on its one token -> 1. Mean: (sqrt 2 + 1) / 2.
  const auto w = torch::tensor({{1.0, 3.0, 0.0}, {0.0, 0.0, 0.0}}, torch::kFloat64);
  const auto mask = torch::tensor({{1, 1, 0}, {1, 0, 0}});
  EXPECT_NEAR(weight_norm_from_one(w, mask, 2.0).item<double>(), (std::sqrt(2.0) + 1) / 2, 1e-12);
}

TEST(CamelsWeightModel, StartsUniformAndZeroOnPadding) {
  torch::manual_seed(0);
  auto model = load_weight_model(kModel, {}, {});
  EXPECT_FALSE(model->trained_head());
  const auto w = model->forward(torch::tensor({{4, 5, 6}, {7, 8, 0}}), torch::tensor({{1, 1, 1}, {1, 1, 0}}));
  const double uniform = std::log(2.0) / 3;
  EXPECT_TRUE(torch::allclose(w, torch::tensor({{uniform, uniform, uniform}, {uniform, uniform, 0.0}}).to(w.dtype())));
  WeightModelOptions normalized;
  normalized.normalize = true;
  auto n = load_weight_model(kModel, normalized, {});
  const auto wn = n->forward(torch::tensor({{4, 5, 6}, {7, 8, 0}}), torch::tensor({{1, 1, 1}, {1, 1, 0}}));
  EXPECT_TRUE(torch::allclose(wn, torch::tensor({{1.0, 1.0, 1.0}, {1.0, 1.0, 0.0}}).to(wn.dtype())));
}

TEST(CamelsMetaStep, CudaSecondOrderGradientsMatchTheCpu) {
  // On LibTorch 2.x the fused attention kernels have no second derivative: the meta step must take
  // the plain path there (layers::TwiceDifferentiableAttention).
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Fixture f(torch::kFloat64);
  MetaObjective objective;
  objective.inner_lr = 2.0;
  std::map<std::string, torch::Tensor> cpu;
  for (const bool cuda : {false, true}) {
    if (cuda) {
      f.base->to(torch::kCUDA);
      f.weight_model->to(torch::kCUDA);
    }
    const auto device = f.base->parameters().front().device();
    auto batch = meta_batch(*f.tokenizer);
    batch = {batch.documents.to(device), batch.questions.to(device), batch.locality.to(device)};
    f.weight_model->zero_grad();
    meta_step(*f.weight_model, *f.base, current_parameters(*f.base), batch, objective, true).loss.backward();
    for (const auto& item : f.weight_model->named_parameters()) {
      if (!cuda) {
        cpu[item.key()] = item.value().grad().clone();
        continue;
      }
      EXPECT_TRUE(torch::allclose(item.value().grad().cpu(), cpu.at(item.key()), 1e-6, 1e-9)) << item.key();
    }
  }
}

TEST(CamelsWeightModel, AFrozenBodyLeavesOnlyTheHeadToTrain) {
  WeightModelOptions frozen;
  frozen.freeze_body = true;
  auto model = load_weight_model(kModel, frozen, {});
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model->trainable()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_FALSE(model->forward(torch::tensor({{4, 5, 6}}), torch::ones({1, 3}, torch::kLong)).grad_fn() == nullptr);
  auto trainable_body = load_weight_model(kModel, {}, {});
  EXPECT_GT(trainable_body->trainable().size(), names.size());
}
