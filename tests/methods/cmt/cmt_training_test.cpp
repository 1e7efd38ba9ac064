// CMT as MAC plus switches, end to end on the tiny checkpoints and the StreamingQA sample (CPU):
// with every technique at its neutral value it is MAC bit for bit (a training step and the
// answers), and with all three on its meta-training lowers the QA loss.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/data/data_settings.h"
#include "amem/data/qa_dataset.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/methods/mac/mac_training_task.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::MacTrainingTask;


using amem::testing::tiny_mac_config;

// CMT with α = 0, λ = w = 0 and K = 0, selecting in training too and decoding on the
// memory-aware logits: every technique runs, at the value where it changes nothing.
const std::vector<std::string> kNeutral = {"cmt.memory_aware.alpha=0", "cmt.self_matching.lambda=0",
                                           "cmt.self_matching.weight=0", "cmt.top_k.k=0",
                                           "cmt.top_k.during_training=true", "cmt.memory_aware.at_inference=true"};

std::vector<size_t> first(size_t n) {
  std::vector<size_t> indices(n);
  std::iota(indices.begin(), indices.end(), size_t(0));
  return indices;
}

TEST(CmtTraining, NeutralSwitchesTrainExactlyAsMac) {
  auto step = [](const amem::config::Config& config) {
    torch::manual_seed(0);
    auto task = std::make_unique<MacTrainingTask>(config);
    torch::manual_seed(5);  // gpt_drop's dropout masks
    auto out = task->loss_on(first(4));
    out.loss.backward();
    return std::make_pair(std::move(task), out);
  };
  auto [mac, mac_out] = step(tiny_mac_config("mac/tiny_gpt2.yaml", {}));
  auto [cmt, cmt_out] = step(tiny_mac_config("cmt/tiny_gpt2.yaml", kNeutral));
  EXPECT_TRUE(torch::equal(cmt_out.loss, mac_out.loss)) << cmt_out.loss.item<double>() << " " << mac_out.loss.item<double>();
  // CMT's metrics come after MAC's, which are the same.
  ASSERT_EQ(cmt_out.metrics.size(), mac_out.metrics.size() + 2);
  for (size_t m = 0; m < mac_out.metrics.size(); ++m) EXPECT_EQ(cmt_out.metrics[m], mac_out.metrics[m]);
  EXPECT_EQ(cmt_out.metrics[mac_out.metrics.size()].first, "qa_loss_memory_aware");
  EXPECT_EQ(cmt_out.metrics.back().first, "self_matching");
  const auto mac_parameters = mac->model().networks()->named_parameters();
  int64_t compared = 0;
  for (const auto& p : cmt->model().networks()->named_parameters()) {
    const auto& reference = mac_parameters[p.key()];
    ASSERT_EQ(p.value().grad().defined(), reference.grad().defined()) << p.key();
    if (!reference.grad().defined()) continue;
    EXPECT_TRUE(torch::equal(p.value().grad(), reference.grad())) << p.key();
    ++compared;
  }
  EXPECT_GT(compared, 50);
}

TEST(CmtTraining, NeutralSwitchesAnswerExactlyAsMac) {
  auto answers = [](const amem::config::Config& config) {
    torch::manual_seed(0);
    auto mac = std::make_shared<amem::methods::MacModel>(amem::methods::MacSettings::from(config),
                                                         amem::models::ModelSettings::from(config));
    const auto eval = amem::eval::EvalSettings::from(config);
    amem::methods::MacAdapter adapter(*mac, amem::eval::GreedyAnswerer(mac->base_lm_ptr(), mac->base_tokenizer(), eval.answer), 2);
    const auto stream = amem::data::read_qa_dataset(amem::data::DataSettings::from(config).test);
    std::vector<amem::data::Question> questions;
    for (const auto& document : stream.documents) {
      adapter.absorb(document);
      questions.insert(questions.end(), document.questions.begin(), document.questions.end());
    }
    torch::NoGradGuard no_grad;
    std::vector<std::string> texts;
    for (const auto& q : questions) texts.push_back(q.text);
    return std::make_pair(adapter.answer(questions), mac->aggregate(texts, adapter.bank().modulations(), 2));
  };
  const auto [mac_answers, mac_modulation] = answers(tiny_mac_config("mac/tiny_gpt2.yaml", {}));
  const auto [cmt_answers, cmt_modulation] = answers(tiny_mac_config("cmt/tiny_gpt2.yaml", kNeutral));
  EXPECT_EQ(cmt_answers, mac_answers);
  EXPECT_TRUE(torch::equal(cmt_modulation, mac_modulation));
  // K = 2 of the sample's five documents does change what a question reads (so the comparison
  // above could fail).
  const auto top2 = answers(tiny_mac_config("cmt/tiny_gpt2.yaml", {})).second;
  EXPECT_FALSE(torch::allclose(top2, mac_modulation));
}

TEST(CmtTraining, TopKAggregatesWhatItSelectsHierarchically) {
  // Each question's K = 3 entries through windows of 2 are the plain model's aggregation of a bank
  // holding only those entries.
  const auto config = tiny_mac_config("cmt/tiny_gpt2.yaml", {"cmt.top_k.k=3"});
  torch::manual_seed(0);
  amem::methods::MacModel cmt(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config));
  const auto mac_config = tiny_mac_config("mac/tiny_gpt2.yaml", {});
  torch::manual_seed(0);
  amem::methods::MacModel mac(amem::methods::MacSettings::from(mac_config), amem::models::ModelSettings::from(mac_config));
  torch::NoGradGuard no_grad;
  const auto bank = cmt.amortize({"The library opened in March.", "It holds 40,000 books.", "Elsa Brandt wrote poems.",
                                  "The river floods in spring.", "Tickets cost four euros."});
  const std::vector<std::string> questions = {"Who wrote poems?", "When does the river flood?"};
  const auto together = cmt.aggregate(questions, bank, 2);
  const auto tokens = cmt.question_tokens(questions);
  const auto queries = cmt.networks()->aggregator->encode_questions(tokens.ids, tokens.mask);
  const auto kept = cmt.settings().cmt.selector->select(queries, bank);
  ASSERT_EQ(kept.sizes(), (std::vector<int64_t>{2, 3, 4, 64}));
  for (int64_t q = 0; q < 2; ++q) {
    const auto alone = mac.aggregate({questions[size_t(q)]}, kept[q], 2);
    EXPECT_TRUE(torch::allclose(together[q], alone[0], 1e-5, 1e-6)) << q;
  }
}

TEST(CmtTraining, AllThreeTechniquesLowerTheQaLoss) {
  const auto dir = amem::testing::fresh_dir("cmt_training_falls");
  // The whole sample (7 triples) is the batch, of which top-k keeps 2 per question; no dropout.
  const auto config = tiny_mac_config("cmt/tiny_gpt2.yaml", {"train.batch_size=7", "train.steps=20", "train.save_every=0",
                                                          "mac.gpt_drop=false", "mac.context_windows=[]"});
  torch::manual_seed(0);
  MacTrainingTask task(config);
  auto qa_loss = [&] {
    const auto out = task.loss_on(first(task.triples()));
    EXPECT_EQ(out.metrics.back().first, "self_matching");
    return std::make_pair(out.metrics.front().second, out.loss.item<double>());
  };
  const auto before = qa_loss();
  amem::run::MetricsLog metrics((dir / "metrics.jsonl").string());
  amem::train::run_training(task, amem::train::TrainSettings::from(config), {dir, &metrics, config.to_yaml()});
  const auto after = qa_loss();
  EXPECT_LT(after.first, 0.8 * before.first) << "qa_loss before " << before.first << ", after " << after.first;
  EXPECT_LT(after.second, before.second);
}

TEST(CmtTraining, SelfMatchingRefusesABatchOfOne) {
  // Its repulsion compares the batch's memories: with one there is none, which would silently
  // train the matching part alone.
  const auto error = amem::testing::run_amem("train configs/cmt/tiny_gpt2.yaml train.batch_size=1 run.output_dir=" +
                                             amem::testing::fresh_dir("cmt_batch_of_one").string());
  EXPECT_EQ(error.exit_code, 2) << error.output;
  EXPECT_NE(amem::testing::error_line(error).find(
                "override 'train.batch_size=1': train.batch_size: 1, but cmt.auxiliary_terms"),
            std::string::npos);
  EXPECT_NO_THROW(amem::methods::MacSettings::from(
      tiny_mac_config("cmt/tiny_gpt2.yaml", {"train.batch_size=1", "cmt.auxiliary_terms=[]", "cmt.top_k.k=1"})));
}

TEST(CmtTraining, AnUnknownSelectorStopsAmemTrainWithExitTwo) {
  const auto out = amem::testing::fresh_dir("cmt_unknown_selector");
  const auto r = amem::testing::run_amem("train configs/cmt/tiny_gpt2.yaml cmt.selector=nearest run.output_dir=" +
                                         out.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(amem::testing::error_line(r),
            "amem: error: override 'cmt.selector=nearest': cmt.selector: unknown name 'nearest' (registered: all, top_k)");
}

}  // namespace
