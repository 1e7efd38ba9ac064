#include "amem/methods/salient_spans.h"

#include <gtest/gtest.h>

#include <string>

#include "amem/methods/salient_span_fine_tuning.h"
#include "amem/models/load_causal_lm.h"
#include "amem/train/lm_loss.h"

using namespace amem;

namespace {

std::vector<std::string> span_texts(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& s : methods::salient_spans(text)) out.push_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

}  // namespace

TEST(SalientSpans, NamesNumbersAndDatesOnHandWorkedSentences) {
  EXPECT_EQ(span_texts("The island of Korra elected Ines Varga as its mayor in April 2021. She won 62 percent."),
            (std::vector<std::string>{"Ines Varga", "April 2021", "62"}));
  // A comma keeps a run whole; a leading article is dropped; the full stop ends a run.
  EXPECT_EQ(span_texts("The Denver Broncos played at Levi's Stadium in Santa Clara, California. Denver won 24-10."),
            (std::vector<std::string>{"Denver Broncos", "Levi's Stadium", "Santa Clara, California", "24-10"}));
  EXPECT_EQ(span_texts("It opened on February 7, 2016 and on 3 February 2021."),
            (std::vector<std::string>{"February 7, 2016", "3 February 2021"}));
  // Quotes and brackets end a run; a lone capitalised word is not salient.
  EXPECT_EQ(span_texts("A new tram line, \"Line 7\", links Selvik (Norway) airport."), (std::vector<std::string>{"Line 7"}));
  EXPECT_TRUE(methods::salient_spans("").empty());
  EXPECT_TRUE(methods::salient_spans("nothing salient here.").empty());
}

TEST(SalientSpanFineTuning, TrainsOnlyOnTheTokensOfSalientSpans) {
  // Byte-level BPE (GPT-2) and sentencepiece (LLaMA, which also prepends BOS).
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    const std::string dir = std::string(AMEM_TEST_DATA_DIR) + "/models/" + name;
    auto model = models::load_causal_lm(dir, {torch::kFloat32, torch::kCPU, /*trainable=*/true});
    std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(dir);
    methods::AdaptSettings settings{1e-3, 2, "adam", 48};
    methods::SalientSpanFineTuning adapter(model, tokenizer, settings, eval::AnswerOptions{4});
    data::Document document;
    document.text = "the mayor is Ines Varga now";
    const auto ids = adapter.document_ids(document);
    const auto salient = adapter.salient_tokens(ids);
    ASSERT_EQ(int64_t(salient.size()), ids.size(1));
    // The salient tokens are exactly those of " Ines Varga" (the space belongs to the first
    // token; sentencepiece drops it when that token starts the decoded text).
    std::vector<int64_t> kept;
    for (size_t i = 0; i < salient.size(); ++i)
      if (salient[i]) kept.push_back(ids[0][int64_t(i)].item<int64_t>());
    EXPECT_EQ(tokenizer->decode(kept), name == "tiny-gpt2" ? " Ines Varga" : "Ines Varga");
    EXPECT_EQ(adapter.name(), "salient");

    // Absorbing the document lowers the loss on those tokens.
    auto labels = ids.clone();
    for (size_t i = 0; i < salient.size(); ++i)
      if (!salient[i]) labels[0][int64_t(i)] = train::kIgnoreIndex;
    const auto salient_loss = [&] {
      torch::NoGradGuard no_grad;
      return train::lm_loss(model->forward(ids, {}, {}, nullptr), labels).item<double>();
    };
    const double before = salient_loss();
    adapter.absorb(document);
    EXPECT_LT(salient_loss(), before - 0.01) << name;
  }
}

TEST(SalientSpanFineTuning, LabelsAgreeWithDecodingEveryPrefix) {
  // The definition (salient_span_fine_tuning.h), computed the slow way, on a text longer than
  // the decoding window with accented letters split over byte tokens.
  std::string text;
  for (int i = 0; i < 6; ++i) text += "Zoë Müller met Ines Varga in Škofja Loka on 3 März 2021; the café closed. ";
  for (const std::string name : {"tiny-gpt2", "tiny-llama"}) {
    const std::string dir = std::string(AMEM_TEST_DATA_DIR) + "/models/" + name;
    auto model = models::load_causal_lm(dir, {torch::kFloat32, torch::kCPU, /*trainable=*/true});
    std::shared_ptr<const text::Tokenizer> tokenizer = text::load_tokenizer(dir);
    methods::SalientSpanFineTuning adapter(model, tokenizer, methods::AdaptSettings{1e-3, 1, "adam", 512}, eval::AnswerOptions{4});
    const auto ids = tokenizer->encode_for_model(text);
    const auto spans = methods::salient_spans(tokenizer->decode(ids));
    std::vector<bool> expected;
    int64_t begin = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto end = int64_t(tokenizer->decode({ids.begin(), ids.begin() + std::ptrdiff_t(i + 1)}).size());
      bool overlaps = false;
      for (const auto& s : spans) overlaps |= begin < int64_t(s.end) && int64_t(s.begin) < end;
      expected.push_back(overlaps);
      begin = std::max(begin, end);
    }
    ASSERT_GT(ids.size(), 100u) << name;
    EXPECT_EQ(adapter.salient_tokens(torch::tensor(ids, torch::kLong).view({1, -1})), expected) << name;
  }
}
