// eval.bank_entries: MAC's memory holds one entry per streamed document (amem) or one per
// question row (the MAC reference, M:evals/qa_utils.py:142-158), which changes the aggregation.
#include <gtest/gtest.h>

#include <filesystem>

#include "amem/config/amem_schema.h"
#include "amem/eval/eval_settings.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/models/model_settings.h"

namespace {

namespace fs = std::filesystem;
using namespace amem;

const fs::path kSource = AMEM_SOURCE_DIR;

config::Config tiny_mac_config(const std::string& bank_entries) {
  const auto models = kSource / "tests" / "data" / "models";
  return config::load_config(config::amem_schema(), (kSource / "configs" / "mac" / "tiny_gpt2.yaml").string(),
                             {"model.path=" + (models / "tiny-gpt2").string(),
                              "mac.amortizer=" + (models / "tiny-t5").string(),
                              "mac.question_encoder=" + (models / "tiny-t5").string(), "memory.save=false",
                              "eval.bank_entries=" + bank_entries});
}

// A MAC adapter over the tiny networks (the same seed, so the same weights for each key).
std::unique_ptr<methods::MacAdapter> tiny_adapter(const std::string& bank_entries) {
  const auto config = tiny_mac_config(bank_entries);
  torch::manual_seed(0);
  auto mac = std::make_shared<methods::MacModel>(methods::MacSettings::from(config), models::ModelSettings::from(config));
  const auto eval = eval::EvalSettings::from(config);
  eval::GreedyAnswerer answerer(mac->base_lm_ptr(), mac->base_tokenizer(), eval.answer);
  return std::make_unique<methods::MacAdapter>(mac, std::move(answerer), memory::MemorySettings::from(config),
                                               eval.bank_entries);
}

data::Document document(const std::string& id, const std::string& text, size_t questions) {
  data::Document d{id, "", id, text, {}};
  for (size_t i = 0; i < questions; ++i)
    d.questions.push_back({id + "-q" + std::to_string(i), "What is question " + std::to_string(i) + "?", {"x"}, "x"});
  return d;
}

}  // namespace

TEST(MacBankEntries, PerRowStoresTheDocumentOncePerQuestionRow) {
  const auto paris = document("paris", "Paris is the capital of France.", 3);
  const auto rome = document("rome", "Rome is the capital of Italy.", 1);
  auto per_document = tiny_adapter("per_document");
  auto per_row = tiny_adapter("per_row");
  for (auto* adapter : {per_document.get(), per_row.get()}) {
    adapter->absorb(paris);
    adapter->absorb(rome);
  }
  ASSERT_EQ(per_document->bank().size(), 2);
  ASSERT_EQ(per_row->bank().size(), 4);  // 3 rows of paris, 1 of rome
  EXPECT_EQ(per_row->stored_memory()->documents, 4);
  const auto once = per_document->bank().modulations(), rows = per_row->bank().modulations();
  for (int64_t i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(rows[i], once[0], 1e-5, 1e-6)) << i;
  EXPECT_TRUE(torch::allclose(rows[3], once[1], 1e-5, 1e-6));
  EXPECT_EQ(per_row->bank().document_ids(), (std::vector<std::string>{"paris", "paris", "paris", "rome"}));
}

TEST(MacBankEntries, PerRowWeighsARepeatedDocumentMoreInTheAggregation) {
  const auto paris = document("paris", "Paris is the capital of France.", 3);
  const auto rome = document("rome", "Rome is the capital of Italy.", 1);
  const auto config = tiny_mac_config("per_row");
  torch::manual_seed(0);
  methods::MacModel mac(methods::MacSettings::from(config), models::ModelSettings::from(config));
  torch::NoGradGuard no_grad;
  const auto bank = mac.amortize({paris.text, rome.text});
  const auto per_row_bank = torch::stack({bank[0], bank[0], bank[0], bank[1]});
  const std::vector<std::string> question = {"What is the capital of France?"};
  const auto from_documents = mac.aggregate(question, bank, std::nullopt);
  const auto from_rows = mac.aggregate(question, per_row_bank, std::nullopt);
  // The aggregation's softmax gives paris three times the weight: a different modulation.
  EXPECT_GT((from_rows - from_documents).abs().max().item<double>(), 1e-4);
  // And what per_row's adapter answers from is that bank.
  auto adapter = tiny_adapter("per_row");
  adapter->absorb(paris);
  adapter->absorb(rome);
  EXPECT_TRUE(torch::allclose(adapter->bank().modulations(), per_row_bank, 1e-5, 1e-6));
  EXPECT_EQ(adapter->answer({paris.questions[0], rome.questions[0]}).size(), 2u);
}
