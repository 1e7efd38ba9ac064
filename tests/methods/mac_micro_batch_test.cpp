// amem eval's MAC adapter amortizes streamed documents in micro-batches (memory.batch_size,
// AmortizeBatching::same_length) and stores them in memory.dtype. Documents are independent, so
// in float32 the bank must equal one-at-a-time's bit for bit; a bf16 bank must hold the float32
// modulations rounded, save and load as bf16, and answer close to a float32 bank.
#include <gtest/gtest.h>

#include <filesystem>

#include "amem/config/amem_schema.h"
#include "amem/eval/eval_settings.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_adapter.h"
#include "amem/models/model_settings.h"
#include "support/batch_invariance.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"

namespace {

using namespace amem;

struct TinyMac {
  std::shared_ptr<methods::MacModel> mac;
  std::unique_ptr<methods::MacAdapter> adapter;
};

// The tiny MAC (documents cut at 48 T5 tokens) with `overrides`; the same seed, the same weights.
TinyMac tiny_mac(std::vector<std::string> overrides) {
  overrides.push_back("memory.save=false");
  const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", overrides);
  torch::manual_seed(0);
  auto mac = std::make_shared<methods::MacModel>(methods::MacSettings::from(config), models::ModelSettings::from(config));
  const auto eval = eval::EvalSettings::from(config);
  eval::GreedyAnswerer answerer(mac->base_lm_ptr(), mac->base_tokenizer(), eval.answer);
  auto adapter = std::make_unique<methods::MacAdapter>(mac, std::move(answerer), memory::MemorySettings::from(config),
                                                       eval.bank_entries);
  return {mac, std::move(adapter)};
}

data::Document document(const std::string& id, const std::string& text) {
  return {id, "", id, text, {{id + "-q", "What is said about " + id + "?", {"x"}, "x"}}};
}

// Five documents: three long enough to be cut at 48 tokens (one forward between them), two
// short ones (of one token count between them), and a repeat (keyed "#2", amortized again).
std::vector<data::Document> stream() {
  std::string long_text;
  for (int i = 0; i < 12; ++i) long_text += "The river flows north through the old town and past the mill. ";
  return {document("a", long_text), document("b", "A small library opened on the corner in 1998."),
          document("c", "Bees " + long_text), document("d", "Rome is the capital of Italy."),
          document("e", "Snow " + long_text), document("a-again", long_text)};
}

// The whole stream, in order, then its end (what amem eval does with a MAC adapter).
void absorb_stream(TinyMac& run) {
  for (const auto& d : stream()) run.adapter->absorb(d);
  run.adapter->finish_stream();
}

}  // namespace

TEST(MacMicroBatch, MicroBatchedBankEqualsOneAtATimeBitForBit) {
  auto one = tiny_mac({"memory.batch_size=1"});
  auto four = tiny_mac({"memory.batch_size=4"});
  const auto documents = stream();
  // The premise: some documents share a token count, so the micro-batch has a group of several.
  EXPECT_EQ(one.mac->document_tokens({documents[0].text}).ids.size(1),
            one.mac->document_tokens({documents[2].text}).ids.size(1));
  for (const auto& d : documents) {
    one.adapter->absorb(d);
    four.adapter->absorb(d);
  }
  one.adapter->finish_stream();
  four.adapter->finish_stream();
  ASSERT_EQ(four.adapter->bank().size(), 6);
  EXPECT_EQ(four.adapter->bank().document_ids(), one.adapter->bank().document_ids());
  EXPECT_EQ(four.adapter->bank().content_keys(), one.adapter->bank().content_keys());
  amem::testing::expect_same_up_to_batching(four.adapter->bank().modulations(), one.adapter->bank().modulations());
  const std::vector<data::Question> questions = {documents[1].questions[0], documents[3].questions[0]};
  EXPECT_EQ(four.adapter->answer(questions), one.adapter->answer(questions));
}

// memory.eval_batching=padded: the held documents share one padded forward, as `amem memory build`
// does (same_length needs two here: the four long documents, and the two short ones, of one token
// count). Padding is
// masked, so the bank is one-at-a-time's up to float rounding.
TEST(MacMicroBatch, PaddedEvalBatchingRunsOneForwardAndKeepsTheBank) {
  auto one = tiny_mac({"memory.batch_size=1"});
  auto same_length = tiny_mac({"memory.batch_size=6"});
  auto padded = tiny_mac({"memory.batch_size=6", "memory.eval_batching=padded"});
  for (auto* run : {&one, &same_length, &padded}) absorb_stream(*run);
  EXPECT_EQ(one.adapter->amortizer_forwards(), 6);
  EXPECT_EQ(same_length.adapter->amortizer_forwards(), 2);
  EXPECT_EQ(padded.adapter->amortizer_forwards(), 1);
  ASSERT_EQ(padded.adapter->bank().size(), 6);
  EXPECT_EQ(padded.adapter->bank().content_keys(), one.adapter->bank().content_keys());
  const auto a = padded.adapter->bank().modulations(), b = one.adapter->bank().modulations();
  EXPECT_LT(((a - b).abs().max() / b.abs().max()).item<double>(), 1e-5);
}

// When the decoder reads padding (mac.decoder_masks_padding=false) at the batch's length, padding
// would change the short documents' modulations with their batch: they are grouped by length.
TEST(MacMicroBatch, PaddingTheDecoderReadsIsNotBatched) {
  auto one = tiny_mac({"memory.batch_size=1", "mac.decoder_masks_padding=false"});
  auto padded = tiny_mac({"memory.batch_size=6", "memory.eval_batching=padded", "mac.decoder_masks_padding=false"});
  absorb_stream(one);
  absorb_stream(padded);
  EXPECT_EQ(padded.adapter->amortizer_forwards(), 2);
  amem::testing::expect_same_up_to_batching(padded.adapter->bank().modulations(), one.adapter->bank().modulations());
}

TEST(MacMicroBatch, AnAnswerMidStreamReadsEveryDocumentAbsorbedSoFar) {
  auto held = tiny_mac({"memory.batch_size=8"});
  auto one = tiny_mac({"memory.batch_size=1"});
  const auto documents = stream();
  for (size_t i = 0; i < 3; ++i) {
    held.adapter->absorb(documents[i]);
    one.adapter->absorb(documents[i]);
  }
  const std::vector<data::Question> questions = {documents[0].questions[0]};
  EXPECT_EQ(held.adapter->answer(questions), one.adapter->answer(questions));
  EXPECT_EQ(held.adapter->bank().size(), 3);
}

TEST(MacMicroBatch, Bfloat16BankRoundTripsAndAnswersCloseToFloat32) {
  auto fp32 = tiny_mac({});
  auto bf16 = tiny_mac({"memory.dtype=bf16"});
  absorb_stream(fp32);
  absorb_stream(bf16);
  const auto full = fp32.adapter->bank().modulations();
  const auto narrow = bf16.adapter->bank().modulations();
  ASSERT_EQ(narrow.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(narrow, full.to(torch::kBFloat16)));
  EXPECT_EQ(bf16.adapter->stored_memory()->bytes_per_document * 2, fp32.adapter->stored_memory()->bytes_per_document);

  // Saved and loaded as bf16; a float32 run that loads it converts it.
  const auto dir = amem::testing::fresh_dir("MacMicroBatch_Bfloat16Bank");
  bf16.adapter->bank().save((dir / "bank.safetensors").string(), "tiny");
  EXPECT_EQ(memory::MemoryBank::inspect((dir / "bank.safetensors").string()).dtype, "bfloat16");
  const auto loaded = memory::MemoryBank::load((dir / "bank.safetensors").string());
  EXPECT_TRUE(torch::equal(loaded.modulations(), narrow));
  EXPECT_EQ(memory::MemoryBank::load((dir / "bank.safetensors").string(), "", torch::kCPU, torch::kFloat32)
                .modulations().scalar_type(),
            torch::kFloat32);

  // The aggregation reads the rounded bank: close to float32's, not equal.
  torch::NoGradGuard no_grad;
  const std::vector<std::string> question = {"What is said about a?"};
  const auto from_full = fp32.mac->aggregate(question, full, std::nullopt);
  const auto from_narrow = bf16.mac->aggregate(question, narrow.to(torch::kFloat32), std::nullopt);
  const double scale = from_full.abs().max().item<double>();
  EXPECT_LT((from_full - from_narrow).abs().max().item<double>(), 2e-2 * scale);
  EXPECT_EQ(bf16.adapter->answer({stream()[1].questions[0]}).size(), 1u);
}

// memory.bf16_autocast: on CUDA the bank is the float32 forward's within bf16 rounding (and not
// equal to it, or the key did nothing); elsewhere the key is refused, not silently ignored.
TEST(MacMicroBatch, Bf16AutocastAmortizesOnCudaAndIsRefusedElsewhere) {
  try {
    tiny_mac({"memory.bf16_autocast=true"});
    FAIL() << "memory.bf16_autocast on the CPU was accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              "memory.bf16_autocast: bf16 autocast runs on CUDA only; model.device is cpu (set model.device=cuda or "
              "memory.bf16_autocast=false)");
  }
  if (!torch::cuda::is_available()) GTEST_SKIP() << "the bf16 autocast bank needs CUDA";
  auto fp32 = tiny_mac({"model.device=cuda"});
  auto autocast = tiny_mac({"model.device=cuda", "memory.bf16_autocast=true"});
  absorb_stream(fp32);
  absorb_stream(autocast);
  const auto full = fp32.adapter->bank().modulations();
  const auto mixed = autocast.adapter->bank().modulations();
  ASSERT_EQ(mixed.scalar_type(), torch::kFloat32);  // memory.dtype still decides what is stored
  const double deviation = ((mixed - full).abs().max() / full.abs().max()).item<double>();
  EXPECT_GT(deviation, 0.0);
  EXPECT_LT(deviation, 5e-2);
}
