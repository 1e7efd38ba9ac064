#include "amem/methods/qa_light_tune.h"

#include <gtest/gtest.h>

#include "amem/methods/salient_span_fine_tuning.h"
#include "amem/models/load_causal_lm.h"
#include "amem/train/lm_batch.h"
#include "amem/train/lm_loss.h"
#include "support/error_of.h"

using namespace amem;

namespace {

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

data::Question pair(const std::string& question, const std::string& answer) {
  data::Question q;
  q.text = question;
  q.target = answer;
  q.answers = {answer};
  return q;
}

methods::LightTuneData training_pairs() {
  return {{pair("Who was elected mayor of Korra?", "Ines Varga"), pair("When did the tram line open?", "March 2019"),
           pair("How many percent did she win?", "62"), pair("Where is Levi's Stadium?", "Santa Clara")},
          /*seed=*/3};
}

methods::AdaptSettings settings(int64_t light_tune_steps) {
  methods::AdaptSettings s{1e-3, 1, "adam", 48};
  s.light_tune_steps = light_tune_steps;
  s.light_tune_lr = 1e-3;
  s.light_tune_batch_size = 3;  // does not divide 4: the sampler crosses an epoch
  return s;
}

// The answer-only loss on every training pair.
double qa_loss(models::CausalLm& model, const text::Tokenizer& tokenizer, const methods::LightTuneData& data) {
  torch::NoGradGuard no_grad;
  std::vector<const data::Question*> questions;
  for (const auto& q : data.pairs) questions.push_back(&q);
  const auto batch = train::qa_batch(tokenizer, questions, model.shape().max_positions);
  return train::lm_loss(model.forward(batch.input_ids, batch.attention_mask, {}, nullptr), batch.labels).item<double>();
}

std::vector<torch::Tensor> parameter_copies(models::CausalLm& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST(QaLightTune, StepsLowerTheAnswerOnlyLossOnTheTrainingPairs) {
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    torch::manual_seed(0);
    auto model = models::load_causal_lm(fixture(name), {torch::kFloat32, torch::kCPU, /*trainable=*/true});
    const auto tokenizer = text::load_tokenizer(fixture(name));
    const double before = qa_loss(*model, *tokenizer, training_pairs());
    methods::QaLightTune(training_pairs(), settings(6)).run(*model, *tokenizer);
    const double after = qa_loss(*model, *tokenizer, training_pairs());
    EXPECT_LT(after, before - 0.05) << name << ": before " << before << ", after " << after;
  }
}

TEST(QaLightTune, TheFineTuningAdaptersLightTuneWhenTheStreamEndsAndOnlyWhenAsked) {
  for (const int64_t steps : {0, 4}) {
    auto model = models::load_causal_lm(fixture("tiny-gpt2"), {torch::kFloat32, torch::kCPU, /*trainable=*/true});
    std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-gpt2"));
    methods::SalientSpanFineTuning adapter(model, tokenizer, settings(steps), eval::AnswerOptions{4}, training_pairs());
    const auto before = parameter_copies(*model);
    const double loss_before = qa_loss(*model, *tokenizer, training_pairs());
    adapter.finish_stream();
    const auto after = parameter_copies(*model);
    bool unchanged = true;
    for (size_t i = 0; i < before.size(); ++i) unchanged = unchanged && torch::equal(before[i], after[i]);
    if (steps == 0) {
      EXPECT_TRUE(unchanged);
    } else {
      EXPECT_LT(qa_loss(*model, *tokenizer, training_pairs()), loss_before - 0.05);
    }
  }
}

TEST(QaLightTune, StepsWithoutTrainingPairsAreAnErrorBeforeTheStream) {
  auto model = models::load_causal_lm(fixture("tiny-gpt2"), {torch::kFloat32, torch::kCPU, /*trainable=*/true});
  std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(fixture("tiny-gpt2"));
  EXPECT_EQ(amem::testing::error_of([&] { methods::UniformFineTuning(model, tokenizer, settings(2), eval::AnswerOptions{4}); }),
            "adapt.light_tune_steps = 2: no training QA pairs to light-tune on (data.train_path)");
  EXPECT_EQ(amem::testing::error_of([&] { methods::UniformFineTuning(model, tokenizer, settings(0), eval::AnswerOptions{4}); }), "no error");
}
