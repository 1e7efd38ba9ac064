#include "amem/methods/mac/mac_objective.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/train/lm_loss.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::MacBatch;
using amem::methods::MacModel;
using amem::methods::MacObjectiveOptions;

const fs::path kSource = AMEM_SOURCE_DIR;

// The tiny MAC config with its checkpoint paths made absolute (tests run in the build folder).
MacModel tiny_mac(const std::vector<std::string>& extra = {}, MacModel::BaseLm base_lm = MacModel::BaseLm::kLoad) {
  const auto models = kSource / "tests" / "data" / "models";
  std::vector<std::string> overrides = {"model.path=" + (models / "tiny-gpt2").string(),
                                        "mac.amortizer=" + (models / "tiny-t5").string(),
                                        "mac.question_encoder=" + (models / "tiny-t5").string()};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  const auto config = amem::config::load_config(amem::config::amem_schema(),
                                                (kSource / "configs" / "mac" / "tiny_gpt2.yaml").string(), overrides);
  torch::manual_seed(0);
  return MacModel(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config), base_lm);
}

// N random triples: T5 documents and questions, base-LM question-answer pairs whose second
// half is the answer.
MacBatch random_batch(int64_t n) {
  torch::manual_seed(1);
  MacBatch b;
  b.documents = {torch::randint(2, 500, {n, 12}), torch::ones({n, 12}, torch::kLong)};
  b.documents.mask.slice(1, 9).zero_();  // padding, which the networks must not read
  b.questions = {torch::randint(2, 500, {n, 6}), torch::ones({n, 6}, torch::kLong)};
  const auto qa = torch::randint(0, 600, {n, 10});
  b.qa = {qa, torch::ones({n, 10}, torch::kLong), qa.clone()};
  b.qa.labels.slice(1, 0, 5).fill_(amem::train::kIgnoreIndex);
  const auto text = torch::randint(0, 600, {n, 16});
  b.texts = {text, torch::ones({n, 16}, torch::kLong), text.clone()};
  return b;
}

TEST(MacModel, AmortizesAggregatesAndMakesThePrefix) {
  auto mac = tiny_mac();
  torch::NoGradGuard no_grad;
  const auto bank = mac.amortize({"The library opened in March.", "It holds 40,000 books.", "Elsa Brandt wrote poems."});
  ASSERT_EQ(bank.sizes(), (std::vector<int64_t>{3, 4, 64}));  // T = 4, d = tiny GPT-2's 64
  const std::vector<std::string> questions = {"When did the library open?", "Who wrote poems?"};
  const auto modulation = mac.aggregate(questions, bank);
  ASSERT_EQ(modulation.sizes(), (std::vector<int64_t>{2, 4, 64}));
  EXPECT_EQ(mac.aggregate(questions, bank, 2).sizes(), modulation.sizes());
  // A window the bank fits in is the plain aggregation.
  EXPECT_TRUE(torch::allclose(mac.aggregate(questions, bank, 4), modulation, 1e-5, 1e-6));
  const auto prefix = mac.to_prefix(modulation);
  ASSERT_EQ(prefix.keys.size(), 2u);  // tiny GPT-2's layers
  EXPECT_EQ(prefix.keys[1].sizes(), (std::vector<int64_t>{2, 4, 2, 16}));
}

TEST(MacModel, WithoutItsBaseLmItMakesTheSameNetworksAndModulations) {
  auto full = tiny_mac();
  auto shape_only = tiny_mac({}, MacModel::BaseLm::kShapeOnly);
  torch::NoGradGuard no_grad;
  const std::vector<std::string> documents = {"The library opened in March.", "It holds 40,000 books."};
  EXPECT_TRUE(torch::equal(shape_only.amortize(documents), full.amortize(documents)));
  const auto full_parameters = full.networks()->named_parameters();
  for (const auto& p : shape_only.networks()->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), full_parameters[p.key()])) << p.key();
  EXPECT_EQ(shape_only.to_prefix(full.aggregate({"When?"}, full.amortize(documents))).keys[0].scalar_type(),
            torch::kFloat32);
  EXPECT_THROW(shape_only.base_lm(), std::logic_error);
  EXPECT_EQ(shape_only.base_lm_ptr(), nullptr);
}

TEST(MacModel, T5TokensKeepTheirEosWhenCut) {
  const auto tokenizer = amem::text::load_tokenizer((kSource / "tests" / "data" / "models" / "tiny-t5").string());
  const auto eos = *tokenizer->special().eos;
  const auto whole = tokenizer->encode_for_model("The library opened in March and holds many books.");
  ASSERT_GT(whole.size(), 6u);
  ASSERT_EQ(whole.back(), eos);
  const auto tokens = amem::methods::t5_tokens(*tokenizer, {"The library opened in March and holds many books.", "Hi"},
                                               6, torch::kCPU);
  ASSERT_EQ(tokens.ids.sizes(), (std::vector<int64_t>{2, 6}));
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(tokens.ids[0][i].item<int64_t>(), whole[i]);
  EXPECT_EQ(tokens.ids[0][5].item<int64_t>(), eos);  // cut, and still ends in EOS
  const auto hi = tokenizer->encode_for_model("Hi");
  const auto n = static_cast<int64_t>(hi.size());
  EXPECT_EQ(tokens.mask[1].sum().item<int64_t>(), n);
  EXPECT_EQ(tokens.ids[1][n - 1].item<int64_t>(), eos);
  EXPECT_EQ(tokens.ids[1][n].item<int64_t>(), *tokenizer->special().pad);  // right padding
}

TEST(MacObjective, GradientsReachTheNetworksAndNeverTheBaseLm) {
  auto mac = tiny_mac();
  mac.networks()->train();
  const auto out = amem::methods::mac_objective(*mac.networks(), mac.base_lm(), random_batch(3), MacObjectiveOptions{});
  out.loss.backward();
  for (const auto& p : mac.base_lm().named_parameters()) {
    EXPECT_FALSE(p.value().requires_grad()) << p.key();
    EXPECT_FALSE(p.value().grad().defined()) << p.key();
  }
  int64_t with_gradient = 0, total = 0;
  for (const auto& p : mac.networks()->named_parameters()) {
    ++total;
    if (p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0) ++with_gradient;
    else ADD_FAILURE() << "no gradient: " << p.key();
  }
  EXPECT_EQ(with_gradient, total);
  EXPECT_GT(total, 50);
  // Metrics: the loss under the prefix, and the base LM's without it.
  ASSERT_EQ(out.metrics.front().first, "qa_loss");
  EXPECT_DOUBLE_EQ(out.metrics.front().second, out.loss.item<double>());
  EXPECT_EQ(out.metrics[2].first, "qa_gain_from_base");
  EXPECT_NEAR(out.metrics[2].second, out.metrics[1].second - out.metrics[0].second, 1e-9);
}

TEST(MacObjective, GptDropRunsTheBaseLmWithDropoutWhileTraining) {
  auto mac = tiny_mac();
  const auto batch = random_batch(2);
  auto loss = [&](bool gpt_drop) {
    return amem::methods::mac_objective(*mac.networks(), mac.base_lm(), batch, MacObjectiveOptions{1.0, gpt_drop, false})
        .loss.item<double>();
  };
  mac.networks()->train();
  const double without = loss(false);
  EXPECT_EQ(loss(false), without);  // no dropout anywhere: the same loss twice
  const double first = loss(true), second = loss(true);
  EXPECT_NE(first, second);  // tiny GPT-2's dropout (0.1) draws new masks each time
  EXPECT_FALSE(mac.base_lm().is_training());  // back in eval mode for everything else
  mac.networks()->eval();
  EXPECT_EQ(loss(true), without);  // evaluating networks: the base LM stays in eval mode
}

// Amortizer gradients of one objective, recomputed by hand: the last documents' bank entries
// are either amortized under no-grad (as mac_objective does) or with their graph attached.
// The no-grad entries must come from a no-grad forward, not from a forward with gradients that
// is detached afterwards: under LibTorch 2.x the two forwards differ in the last bits (see
// NoGradAndRecordedAmortizationDifferOnlyByRounding), which moved small gradients by more
// than 1e-5 relative (issue 12, item 16).
std::vector<torch::Tensor> amortizer_gradients(MacModel& mac, const MacBatch& batch, int64_t lifted, bool attach_rest) {
  auto& nets = *mac.networks();
  nets.zero_grad();
  auto amortize_rest = [&] {
    return nets.amortizer(batch.documents.ids.slice(0, lifted), batch.documents.mask.slice(0, lifted));
  };
  torch::Tensor bank_rest;
  if (attach_rest) {
    bank_rest = amortize_rest();
  } else {
    torch::NoGradGuard no_grad;
    bank_rest = amortize_rest();
  }
  const auto bank = torch::cat({nets.amortizer(batch.documents.ids.slice(0, 0, lifted),
                                               batch.documents.mask.slice(0, 0, lifted)),
                                bank_rest});
  const auto modulation = nets.aggregator(batch.questions.ids.slice(0, 0, lifted),
                                          batch.questions.mask.slice(0, 0, lifted), bank);
  const auto prefix = nets.to_prefix(modulation, torch::kFloat32);
  amem::train::LmBatch qa{batch.qa.input_ids.slice(0, 0, lifted), batch.qa.attention_mask.slice(0, 0, lifted),
                                 batch.qa.labels.slice(0, 0, lifted)};
  amem::methods::base_lm_loss(mac.base_lm(), qa, &prefix).backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : nets.amortizer->parameters()) grads.push_back(p.grad().clone());
  return grads;
}

TEST(MacObjective, UnliftedDocumentsGiveTheAmortizerNoGradient) {
  auto mac = tiny_mac();
  mac.networks()->train();
  const auto batch = random_batch(4);
  EXPECT_EQ(amem::methods::lifted_count(4, 0.5), 2);
  mac.networks()->zero_grad();
  const auto out = amem::methods::mac_objective(*mac.networks(), mac.base_lm(), batch,
                                                MacObjectiveOptions{0.5, /*gpt_drop=*/false, /*with_metrics=*/false});
  out.loss.backward();
  std::vector<torch::Tensor> lifted;
  for (const auto& p : mac.networks()->amortizer->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    lifted.push_back(p.value().grad().clone());
  }

  // The same computation by hand: equal to the last bit (same kernels, same order).
  const auto no_grad_rest = amortizer_gradients(mac, batch, 2, /*attach_rest=*/false);
  const auto attached = amortizer_gradients(mac, batch, 2, /*attach_rest=*/true);
  ASSERT_EQ(lifted.size(), no_grad_rest.size());
  double difference_to_attached = 0;
  for (size_t i = 0; i < lifted.size(); ++i) {
    EXPECT_TRUE(torch::equal(lifted[i], no_grad_rest[i]))
        << "parameter " << i << ": max |difference| " << (lifted[i] - no_grad_rest[i]).abs().max().item<double>();
    difference_to_attached += (lifted[i] - attached[i]).abs().sum().item<double>();
  }
  // Had the last two documents been amortized with gradients, they would have contributed.
  EXPECT_GT(difference_to_attached, 1e-4);
}

// Why the test above recomputes the no-grad entries under no-grad: LibTorch 2.x computes a
// forward that autograd records with other CPU kernels than one it does not record. Measured on
// the GPU image (LibTorch 2.11, CPU tensors, default threads and one thread alike): these
// modulations differ by 1.07e-6 at most, of values up to 3.07; LibTorch 1.13: 0. Recorded and
// bounded here, not required to be 0.
TEST(MacObjective, NoGradAndRecordedAmortizationDifferOnlyByRounding) {
  auto mac = tiny_mac();
  const auto batch = random_batch(2);
  auto& nets = *mac.networks();
  const auto recorded = nets.amortizer(batch.documents.ids, batch.documents.mask).detach();
  torch::Tensor unrecorded;
  {
    torch::NoGradGuard no_grad;
    unrecorded = nets.amortizer(batch.documents.ids, batch.documents.mask);
  }
  const double difference = (recorded - unrecorded).abs().max().item<double>();
  RecordProperty("max_abs_difference", std::to_string(difference));
  std::printf("amortization, recorded vs no-grad forward: max |difference| %.3g (largest value %.3g)\n", difference,
              unrecorded.abs().max().item<double>());
  EXPECT_LT(difference, 1e-5 * unrecorded.abs().max().item<double>());
}

}  // namespace
