// The reference's padding as MAC options (docs/reference_protocol.md §8): fixed-length documents,
// a T5 decoder that reads the padding, and the reference's question layouts. With masking (amem's
// default) padding must change nothing; without it, it must.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/models/model_settings.h"
#include "support/error_of.h"

namespace {

namespace fs = std::filesystem;
using amem::methods::MacModel;
using amem::methods::QuestionLayout;

const fs::path kSource = AMEM_SOURCE_DIR;

// configs/mac/tiny_gpt2.yaml (documents cut at 48 T5 tokens, questions at 32) with `overrides`;
// the same seed gives the same networks.
std::unique_ptr<MacModel> tiny_mac(std::vector<std::string> overrides) {
  const auto models = kSource / "tests" / "data" / "models";
  overrides.insert(overrides.begin(), {"model.path=" + (models / "tiny-gpt2").string(),
                                       "mac.amortizer=" + (models / "tiny-t5").string(),
                                       "mac.question_encoder=" + (models / "tiny-t5").string()});
  const auto config = amem::config::load_config(amem::config::amem_schema(),
                                                (kSource / "configs" / "mac" / "tiny_gpt2.yaml").string(), overrides);
  torch::manual_seed(0);
  return std::make_unique<MacModel>(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config),
                                    MacModel::BaseLm::kShapeOnly);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

const std::vector<std::string> kDocuments = {"The river flows north through the old town.",
                                             "A small library opened on the corner in 1998."};
const std::vector<std::string> kQuestions = {"Where does the river flow?", "When?"};

TEST(MacPadding, MaskedDecoderGivesTheSameModulationsPaddedOrNot) {
  torch::NoGradGuard no_grad;
  auto unpadded = tiny_mac({});
  auto padded = tiny_mac({"mac.pad_documents_to=48"});
  EXPECT_LT(unpadded->document_tokens(kDocuments).ids.size(1), 48);
  EXPECT_EQ(padded->document_tokens(kDocuments).ids.size(1), 48);
  EXPECT_LE(max_diff(unpadded->amortize(kDocuments), padded->amortize(kDocuments)), 1e-5);
}

TEST(MacPadding, UnmaskedDecoderReadsThePadding) {
  torch::NoGradGuard no_grad;
  auto masked = tiny_mac({"mac.pad_documents_to=48"});
  auto reads_48 = tiny_mac({"mac.pad_documents_to=48", "mac.decoder_masks_padding=false"});
  auto reads_40 = tiny_mac({"mac.pad_documents_to=40", "mac.decoder_masks_padding=false"});
  const auto reference = masked->amortize(kDocuments);
  EXPECT_GT(max_diff(reads_48->amortize(kDocuments), reference), 1e-3);
  // What the decoder reads depends on how far a document is padded.
  EXPECT_GT(max_diff(reads_48->amortize(kDocuments), reads_40->amortize(kDocuments)), 1e-3);
  // A document without padding: nothing to read, the same modulation as masked.
  EXPECT_LE(max_diff(tiny_mac({"mac.decoder_masks_padding=false"})->amortize({kDocuments[0]}),
                     masked->amortize({kDocuments[0]})),
            1e-5);
}

TEST(MacPadding, LeftPaddedTrainingQuestions) {
  torch::NoGradGuard no_grad;
  auto batch = tiny_mac({});
  auto left = tiny_mac({"mac.train_question_layout=left_pad:24"});
  const auto right = batch->question_tokens(kQuestions, MacModel::QuestionUse::kTraining);
  const auto tokens = left->question_tokens(kQuestions, MacModel::QuestionUse::kTraining);
  ASSERT_EQ(tokens.ids.sizes(), (std::vector<int64_t>{2, 24}));
  for (int64_t r = 0; r < 2; ++r) {  // the same tokens, moved to the right end
    const int64_t n = right.mask[r].sum().item<int64_t>();
    EXPECT_TRUE(torch::equal(tokens.ids[r].slice(0, 24 - n), right.ids[r].slice(0, 0, n))) << r;
    EXPECT_EQ(tokens.mask[r].slice(0, 0, 24 - n).sum().item<int64_t>(), 0) << r;
    EXPECT_EQ(tokens.mask[r].sum().item<int64_t>(), n) << r;
  }
  // Answering keeps amem's layout unless mac.eval_question_layout says otherwise.
  EXPECT_TRUE(torch::equal(left->question_tokens(kQuestions).ids, right.ids));
  // T5's relative positions and masked pads: the same query tokens either way when masked...
  auto& aggregator = *left->networks()->aggregator;
  const auto masked_right = aggregator.encode_questions(right.ids, right.mask);
  EXPECT_LE(max_diff(aggregator.encode_questions(tokens.ids, tokens.mask), masked_right), 1e-5);
  // ...and other ones when the decoder reads the pads.
  auto reads = tiny_mac({"mac.train_question_layout=left_pad:24", "mac.decoder_masks_padding=false"});
  EXPECT_GT(max_diff(reads->networks()->aggregator->encode_questions(tokens.ids, tokens.mask), masked_right), 1e-3);
}

TEST(MacPadding, EvaluationQuestionsAreWholeAndFollowedByPads) {
  auto mac = tiny_mac({"mac.eval_question_layout=append_pads:128", "mac.max_question_tokens=4"});
  const auto cut = mac->question_tokens({kQuestions[0]}, MacModel::QuestionUse::kTraining);  // batch layout, cut at 4
  const auto whole = mac->question_tokens({kQuestions[0]});
  ASSERT_EQ(cut.ids.size(1), 4);
  const int64_t n = whole.mask.sum().item<int64_t>();
  EXPECT_GT(n, 4);
  EXPECT_EQ(whole.ids.size(1), n + 128);
  EXPECT_TRUE(torch::equal(whole.ids[0].slice(0, 0, 3), cut.ids[0].slice(0, 0, 3)));
  EXPECT_EQ(whole.ids[0][n - 1].item<int64_t>(), 1);  // T5's EOS ends the question
  EXPECT_EQ(whole.ids[0].slice(0, n).abs().sum().item<int64_t>(), 0);  // then PAD (0) ids, masked
}

TEST(MacPadding, QuestionLayoutsParse) {
  const auto left = QuestionLayout::parse("left_pad:104", "k");
  EXPECT_EQ(left.kind, QuestionLayout::Kind::kLeftPad);
  EXPECT_EQ(left.tokens, 104);
  EXPECT_EQ(QuestionLayout::parse("append_pads:128", "k").kind, QuestionLayout::Kind::kAppendPads);
  EXPECT_EQ(QuestionLayout::parse("batch", "k").kind, QuestionLayout::Kind::kBatch);
  for (const std::string bad : {"left_pad:0", "left_pad:", "left_pad", "right_pad:3", "append_pads:-1", "batch:3"})
    EXPECT_EQ(amem::testing::error_of([&] { QuestionLayout::parse(bad, "x.yaml: mac.train_question_layout"); }),
              "x.yaml: mac.train_question_layout: expected batch, left_pad:N or append_pads:N (N >= 1), got '" + bad +
                  "'");
}

}  // namespace
