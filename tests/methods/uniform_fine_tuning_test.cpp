#include "amem/methods/uniform_fine_tuning.h"

#include <gtest/gtest.h>

#include "amem/models/load_causal_lm.h"
#include "amem/train/lm_loss.h"
#include "support/error_of.h"

using namespace amem;

namespace {

std::string model_dir(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }
const std::string kModel = model_dir("tiny-gpt2");

methods::AdaptSettings settings(const std::string& optimizer) {
  methods::AdaptSettings s;
  s.lr = 1e-3;
  s.steps_per_document = 3;
  s.optimizer = optimizer;
  s.max_document_tokens = 48;
  return s;
}

data::Document document() {
  data::Document d;
  d.id = "doc";
  d.text = "The island of Korra elected Ines Varga as its mayor in April 2021.";
  return d;
}

double document_loss(models::CausalLm& model, const torch::Tensor& ids) {
  torch::NoGradGuard no_grad;
  return train::lm_loss(model.forward(ids, {}, {}, nullptr), ids).item<double>();
}

}  // namespace

TEST(UniformFineTuning, StepsOnADocumentLowerItsLanguageModellingLoss) {
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    for (const std::string optimizer : {"sgd", "adam"}) {
      torch::manual_seed(0);
      auto model = models::load_causal_lm(model_dir(name), {torch::kFloat32, torch::kCPU, /*trainable=*/true});
      std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(model_dir(name));
      methods::UniformFineTuning adapter(model, tokenizer, settings(optimizer), eval::AnswerOptions{8});
      const auto ids = adapter.document_ids(document());
      EXPECT_EQ(ids.size(1), std::min<int64_t>(48, int64_t(tokenizer->encode_for_model(document().text).size())));
      const double before = document_loss(*model, ids);
      adapter.absorb(document());
      const double after = document_loss(*model, ids);
      EXPECT_LT(after, before - 0.01) << name << ", " << optimizer << ": before " << before << ", after " << after;
      EXPECT_EQ(adapter.name(), "uniform");
    }
  }
}

TEST(UniformFineTuning, AnswersEveryQuestion) {
  auto model = models::load_causal_lm(kModel, {torch::kFloat32, torch::kCPU, /*trainable=*/true});
  methods::UniformFineTuning adapter(model, text::load_tokenizer(kModel), settings("adam"), eval::AnswerOptions{4});
  data::Question short_question, long_question;
  short_question.text = "Who?";
  long_question.text = "Who was elected mayor of Korra in April?";
  const auto answers = adapter.answer({short_question, long_question});
  EXPECT_EQ(answers.size(), 2u);
}

TEST(UniformFineTuning, AFrozenModelIsAnError) {
  auto model = models::load_causal_lm(kModel);
  EXPECT_EQ(amem::testing::error_of([&] { methods::UniformFineTuning(model, text::load_tokenizer(kModel), settings("sgd"), eval::AnswerOptions{4}); }),
            "fine-tuning: the model has no trainable parameters (load it trainable)");
}

TEST(UniformFineTuning, DocumentsAreCutToTheModelsContext) {
  auto model = models::load_causal_lm(kModel, {torch::kFloat32, torch::kCPU, /*trainable=*/true});
  auto s = settings("adam");
  s.max_document_tokens = 512;  // longer than tiny-gpt2's context of 64
  methods::UniformFineTuning adapter(model, text::load_tokenizer(kModel), s, eval::AnswerOptions{4});
  data::Document long_document = document();
  for (int i = 0; i < 10; ++i) long_document.text += " " + document().text;
  const auto ids = adapter.document_ids(long_document);
  EXPECT_EQ(ids.size(1), 64);
  const double before = document_loss(*model, ids);
  adapter.absorb(long_document);
  EXPECT_LT(document_loss(*model, ids), before);
}
