#include "amem/models/parameter_substitution.h"

#include <gtest/gtest.h>

#include "amem/models/load_causal_lm.h"
#include "support/error_of.h"

using namespace amem;

namespace {

std::string model_dir(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

torch::Tensor logits(models::CausalLm& model, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return model.forward(ids, {}, {}, nullptr);
}

}  // namespace

TEST(ParameterSubstitution, TheForwardSeesTheReplacementsAndTheModelIsRestoredAfter) {
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    auto model = models::load_causal_lm(model_dir(name));
    auto changed = models::load_causal_lm(model_dir(name));
    const auto ids = torch::tensor({{5, 17, 42, 8, 99, 3}}, torch::kLong);
    const auto original = logits(*model, ids);
    // Every parameter replaced by a perturbed copy: the substituted forward must equal the forward
    // of a model whose parameters really are the perturbed ones.
    std::map<std::string, torch::Tensor> replacements;
    {
      torch::NoGradGuard no_grad;
      torch::manual_seed(1);
      for (auto& item : changed->named_parameters()) {
        item.value().add_(torch::randn_like(item.value()) * 0.05);
        replacements.emplace(item.key(), item.value().clone());
      }
    }
    {
      models::ParameterSubstitution substituted(*model, replacements);
      EXPECT_TRUE(torch::allclose(logits(*model, ids), logits(*changed, ids), 1e-5, 1e-5)) << name;
      EXPECT_FALSE(torch::allclose(logits(*model, ids), original, 1e-3, 1e-3)) << name;
    }
    EXPECT_TRUE(torch::equal(logits(*model, ids), original)) << name;
  }
}

TEST(ParameterSubstitution, GradientsFlowIntoTheReplacementsNotTheRegisteredParameters) {
  auto model = models::load_causal_lm(model_dir("tiny-gpt2"), {torch::kFloat32, torch::kCPU, /*trainable=*/true});
  const auto wte = model->named_parameters()["wte.weight"];
  auto replacement = wte.detach().clone().requires_grad_(true);
  torch::Tensor loss;
  {
    models::ParameterSubstitution substituted(*model, {{"wte.weight", replacement}});
    loss = model->forward(torch::tensor({{1, 2, 3}}, torch::kLong), {}, {}, nullptr).logsumexp(-1).sum();
  }
  loss.backward();
  ASSERT_TRUE(replacement.grad().defined());
  EXPECT_GT(replacement.grad().abs().sum().item<double>(), 0);
  EXPECT_FALSE(wte.grad().defined());
}

TEST(ParameterSubstitution, UnknownNamesAndWrongShapesAreErrors) {
  auto model = models::load_causal_lm(model_dir("tiny-gpt2"));
  EXPECT_EQ(amem::testing::error_of([&] {
              models::ParameterSubstitution s(*model, {{"h.0.attn.nope", torch::zeros({1})}});
            }),
            "parameter substitution: 'h.0.attn.nope' is not a parameter of a Linear, Embedding, LayerNorm, "
            "Gpt2Conv1D, RMSNorm or TokenMlpBank module");
  EXPECT_EQ(amem::testing::error_of([&] {
              models::ParameterSubstitution s(*model, {{"ln_f.weight", torch::zeros({3})}});
            }),
            "parameter substitution: 'ln_f.weight' has shape [64], the replacement [3]");
}
