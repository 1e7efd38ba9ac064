// T5 pre-training by span corruption: the new model's config.json, the corrupted batches the
// model is trained on, the loss falling on the tiny corpus, exact resume through the shared
// loop, and the Hugging Face folder it saves, which load_t5 reads back bit for bit.
#include "amem/pretrain/t5_span_corruption_pretraining.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/models/t5.h"
#include "amem/pretrain/t5_architecture.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/metrics_jsonl.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::logged;
using namespace amem;
using pretrain::t5_pretraining_config;

namespace {

const std::string kSource = AMEM_SOURCE_DIR;

config::Config tiny_config(std::vector<std::string> overrides = {}) {
  overrides.insert(overrides.begin(),
                   {"pretrain.text_paths=[" + kSource + "/data/pretrain-sample/pretrain-en-sample.txt.xz]",
                    "pretrain.tokenizer=" + kSource + "/tests/data/tokenizers/t5_unigram"});
  return config::load_config(config::amem_schema(), kSource + "/configs/pretrain/tiny_t5.yaml", overrides);
}

std::unique_ptr<text::Tokenizer> tiny_tokenizer() {
  return text::load_tokenizer(kSource + "/tests/data/tokenizers/t5_unigram");
}

std::string config_error(const nlohmann::json& architecture) {
  try {
    t5_pretraining_config(architecture, *tiny_tokenizer());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

// Trains a fresh task of `config` into a new run folder under `dir`; returns the task.
std::unique_ptr<pretrain::T5SpanCorruptionPretraining> train_into(const config::Config& config, const fs::path& dir) {
  torch::manual_seed(0);
  auto task = std::make_unique<pretrain::T5SpanCorruptionPretraining>(config);
  fs::create_directories(dir);
  run::MetricsLog metrics((dir / "metrics.jsonl").string());
  train::run_training(*task, train::TrainSettings::from(config), {dir, &metrics, ""});
  return task;
}

}  // namespace

TEST(T5Architecture, FillsT5ConfigDefaultsTheSentinelsAndTheTokenizersIds) {
  const auto config = t5_pretraining_config({{"model_type", "t5"}, {"num_layers", 3}}, *tiny_tokenizer());
  EXPECT_EQ(config["vocab_size"], 600);  // 500 pieces + 100 sentinels
  EXPECT_EQ(config["num_layers"], 3);
  EXPECT_EQ(config["num_decoder_layers"], 3);
  EXPECT_EQ(config["d_model"], 512);  // T5Config's defaults
  EXPECT_EQ(config["d_kv"], 64);
  EXPECT_EQ(config["feed_forward_proj"], "relu");
  EXPECT_EQ(config["pad_token_id"], 0);
  EXPECT_EQ(config["eos_token_id"], 1);
  EXPECT_EQ(config["decoder_start_token_id"], 0);
  EXPECT_EQ(config["tie_word_embeddings"], true);
  EXPECT_EQ(config["model_type"], "t5");
}

TEST(T5Architecture, RefusesWhatWouldSilentlyMismatch) {
  EXPECT_EQ(config_error({{"model_type", "t5"}, {"vocab_size", 599}}),
            "pretrain.architecture.vocab_size: 599 cannot embed the tokenizer's 500 pieces and T5's 100 sentinels "
            "(at least 600)");
  EXPECT_EQ(t5_pretraining_config({{"model_type", "t5"}, {"vocab_size", 640}}, *tiny_tokenizer())["vocab_size"], 640);
  EXPECT_NE(config_error({{"model_type", "t5"}, {"n_embd", 64}}).find("pretrain.architecture.n_embd: not a key of T5"),
            std::string::npos);
  EXPECT_NE(config_error({{"model_type", "t5"}, {"tie_word_embeddings", false}})
                .find("pretrain.architecture.tie_word_embeddings: false is not supported"),
            std::string::npos);
  EXPECT_EQ(config_error({{"model_type", "t5"}, {"feed_forward_proj", "tanh"}}),
            "pretrain.architecture: key 'feed_forward_proj': expected \"relu\", \"gelu\", \"gated-gelu\" or "
            "\"gated-silu\", got \"tanh\"");
}

TEST(T5SpanCorruptionPretraining, BatchesAreCorruptedChunksAndDecoderInputsAreShiftedTargets) {
  // Two chunks of 10 tokens at density 0.3, mean span 2: round(3) = 3 noise tokens in
  // round(3 / 2) = 2 spans per row: inputs 7 + 2 + 1 = 10, targets 3 + 2 + 1 = 6.
  const auto chunks = torch::arange(10, 30, torch::kInt64).reshape({2, 10});
  std::mt19937_64 rng(5), same(5);
  const auto batch = pretrain::corrupt_batch(chunks, {0.3, 2.0}, 599, 1, rng);
  ASSERT_EQ(batch.input_ids.sizes(), (std::vector<int64_t>{2, 10}));
  ASSERT_EQ(batch.labels.sizes(), (std::vector<int64_t>{2, 6}));
  for (int64_t r = 0; r < 2; ++r) {
    // Row r, corrupted alone by the generator in the state it had for that row.
    std::vector<int64_t> tokens(10);
    for (int64_t i = 0; i < 10; ++i) tokens[i] = 10 + 10 * r + i;
    const auto example = pretrain::corrupt_spans(tokens, pretrain::random_spans_noise_mask(10, {0.3, 2.0}, same), 599, 1);
    EXPECT_TRUE(torch::equal(batch.input_ids[r], torch::tensor(example.inputs)));
    EXPECT_TRUE(torch::equal(batch.labels[r], torch::tensor(example.targets)));
    EXPECT_EQ(batch.labels[r][0].item<int64_t>(), 599);  // targets open with <extra_id_0>
  }
  EXPECT_TRUE(torch::equal(pretrain::shift_right(torch::tensor({{599, 12, 13, 598, 17, 1}}), 0),
                           torch::tensor({{0, 599, 12, 13, 598, 17}})));
}

TEST(T5SpanCorruptionPretraining, ValidationScoresFixedExamplesAndKeepsThem) {
  torch::manual_seed(0);
  pretrain::T5SpanCorruptionPretraining task(tiny_config());
  EXPECT_EQ(task.lengths().tokens, 70);
  EXPECT_EQ(task.train_chunks().size(1), 70);
  const auto& examples = task.validation_examples();
  ASSERT_GT(examples.input_ids.size(0), 0);
  EXPECT_EQ(examples.input_ids.size(1), 64);
  EXPECT_EQ(examples.labels.size(1), 14);
  const auto dir = amem::testing::fresh_dir("T5SpanCorruptionPretraining_Validation");
  torch::NoGradGuard no_grad;
  const auto first = task.validate(dir);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].first, "loss");
  // An untrained T5 gives logits of standard deviation about 1 (a tied table of std 1, the
  // decoder output scaled by d_model^-0.5): the loss is near ln 600 + 1/2 = 6.90.
  EXPECT_NEAR(first[0].second, std::log(600.0) + 0.5, 0.4);
  EXPECT_EQ(first[2].second, double(examples.labels.numel()));
  // The same examples and loss again (not a new corruption), and a task built anew agrees.
  EXPECT_EQ(task.validate(dir)[0].second, first[0].second);
  torch::manual_seed(0);
  pretrain::T5SpanCorruptionPretraining again(tiny_config());
  EXPECT_TRUE(torch::equal(again.validation_examples().labels, examples.labels));
  const auto kept = io::SafetensorsFile::open((dir / "examples.safetensors").string());
  EXPECT_TRUE(torch::equal(kept->load("input_ids").to(torch::kInt64), examples.input_ids));
  EXPECT_TRUE(torch::equal(kept->load("labels").to(torch::kInt64), examples.labels));
  EXPECT_EQ(task.selection().metric, "loss");
  EXPECT_FALSE(task.selection().higher_is_better);
}

TEST(T5SpanCorruptionPretraining, LossFallsAndTheSavedFolderReloadsBitForBit) {
  // The untrained model's validation loss (the same seed draws the same initialisation).
  const auto base = amem::testing::fresh_dir("T5SpanCorruptionPretraining_Train");
  double untrained = 0;
  {
    torch::manual_seed(0);
    torch::NoGradGuard no_grad;
    untrained = pretrain::T5SpanCorruptionPretraining(tiny_config()).validate(base)[0].second;
  }
  const auto dir = base / "run";
  const auto task = train_into(tiny_config(), dir);
  const auto validation = logged(dir / "metrics.jsonl", "val_loss");
  ASSERT_EQ(validation.size(), 2u);  // steps 20 and 40
  const auto losses = logged(dir / "metrics.jsonl", "loss");
  ASSERT_EQ(losses.size(), 8u);
  // On the H200 in fp32: training 6.43 at step 5 -> 5.33 at step 40, validation 6.9 -> 5.51.
  EXPECT_LT(losses.back(), losses.front() - 0.5);
  EXPECT_LT(validation.back(), validation.front());
  EXPECT_LT(validation.back(), untrained - 1.0);

  // last/ is the model at the end: load_t5 and load_t5_encoder read it back exactly.
  auto& model = task->model();
  auto loaded = models::load_t5((dir / "last").string(), torch::kFloat32, torch::kCPU, /*trainable=*/false);
  for (const auto& p : model.named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), loaded->named_parameters()[p.key()])) << p.key();
  auto encoder = models::load_t5_encoder((dir / "last").string(), torch::kFloat32, torch::kCPU, false);
  for (const auto& p : encoder->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), model.named_parameters()[p.key()])) << p.key();
  EXPECT_TRUE(fs::is_regular_file(dir / "last" / "spiece.model"));
  EXPECT_TRUE(fs::is_regular_file(dir / "best" / "model.safetensors"));
  EXPECT_EQ(text::load_tokenizer((dir / "last").string())->special().eos, 1);
}

TEST(T5SpanCorruptionPretraining, AResumedRunContinuesBitForBit) {
  const auto base = amem::testing::fresh_dir("T5SpanCorruptionPretraining_Resume");
  // A constant rate, so that the run stopped at step 4 took the same steps as the first half of
  // the run of 8 (a cosine schedule depends on the total).
  const std::vector<std::string> shape = {"train.steps=8",      "train.eval_every=4", "train.save_every=4",
                                          "train.log_every=1",  "train.schedule=constant",
                                          "train.warmup_ratio=0"};
  const auto straight = train_into(tiny_config(shape), base / "straight");
  auto first_half = shape;
  first_half[0] = "train.steps=4";
  train_into(tiny_config(first_half), base / "first");
  auto resumed_overrides = shape;
  resumed_overrides.push_back("train.resume=" + (base / "first" / "checkpoint").string());
  const auto resumed = train_into(tiny_config(resumed_overrides), base / "resumed");

  const auto straight_losses = logged(base / "straight" / "metrics.jsonl", "loss");
  const auto resumed_losses = logged(base / "resumed" / "metrics.jsonl", "loss");
  ASSERT_EQ(straight_losses.size(), 8u);
  EXPECT_EQ(resumed_losses, straight_losses);
  for (const auto& p : straight->model().named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), resumed->model().named_parameters()[p.key()])) << p.key();
}

TEST(T5SpanCorruptionPretraining, RefusesAnInputLengthSpanCorruptionCannotMake) {
  try {
    pretrain::T5SpanCorruptionPretraining task(tiny_config({"pretrain.sequence_length=5"}));
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("pretrain.sequence_length: 5 ids cannot be made exactly"), std::string::npos)
        << e.what();
  }
}
