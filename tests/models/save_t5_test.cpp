#include "amem/models/save_t5.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/models/hf_config.h"
#include "amem/models/t5_init.h"
#include "amem/text/tokenizer.h"
#include "support/temp_dir.h"

using namespace amem;
namespace fs = std::filesystem;

namespace {

const fs::path kData(AMEM_TEST_DATA_DIR);

std::string fixture(const std::string& name) { return (kData / "models" / name).string(); }

// Bit equality of every parameter, by name.
void expect_same_parameters(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto theirs = b.named_parameters();
  ASSERT_EQ(a.named_parameters().size(), theirs.size());
  for (const auto& p : a.named_parameters()) {
    ASSERT_TRUE(theirs.contains(p.key())) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), theirs[p.key()])) << p.key();
  }
}

torch::Tensor logits_of(models::T5ForConditionalGenerationImpl& model) {
  torch::NoGradGuard no_grad;
  const auto ids = torch::tensor({{5, 17, 42, 3, 99, 1}}, torch::kLong);
  return model.forward(ids, torch::ones_like(ids), torch::tensor({{0, 7, 8}}, torch::kLong));
}

}  // namespace

TEST(SaveT5, AReloadedFixtureHasTheSameTensorsUnderTransformersNames) {
  for (const std::string name : {"tiny-t5", "tiny-t5-v1_1"}) {
    SCOPED_TRACE(name);
    auto model = models::load_t5(fixture(name), torch::kFloat32, torch::kCPU, /*trainable=*/false);
    {
      // Perturbed, so that the reload can only match by reading the saved weights.
      torch::NoGradGuard no_grad;
      model->shared->weight.add_(0.25);
    }
    const auto out = amem::testing::fresh_dir("save_t5") / name;
    models::save_t5(*model, fixture(name), out.string());

    auto reloaded = models::load_t5(out.string(), torch::kFloat32, torch::kCPU, /*trainable=*/false);
    expect_same_parameters(*model, *reloaded);
    EXPECT_TRUE(torch::equal(logits_of(*reloaded), logits_of(*model)));
    auto encoder = models::load_t5_encoder(out.string(), torch::kFloat32, torch::kCPU, /*trainable=*/false);
    expect_same_parameters(*encoder->encoder, *model->encoder);
    EXPECT_TRUE(torch::equal(encoder->shared->weight, model->shared->weight));

    EXPECT_EQ(io::SafetensorsCheckpoint::open(out.string()).names(),
              io::SafetensorsCheckpoint::open(fixture(name)).names());
    const auto written = models::read_t5_config(out.string());
    const auto original = models::read_t5_config(fixture(name));
    EXPECT_EQ(written.scale_decoder_outputs, original.scale_decoder_outputs);
    EXPECT_EQ(written.feed_forward_proj, original.feed_forward_proj);
    EXPECT_EQ(written.activation, original.activation);
    const std::string text = "Who was elected mayor of Korra in April 2021?";
    EXPECT_EQ(text::load_tokenizer(out.string())->encode_for_model(text),
              text::load_tokenizer(fixture(name))->encode_for_model(text));
  }
}

TEST(SaveT5, ANewT5FromAConfigReloadsBitIdenticallyTiedOrNot) {
  for (bool tied : {true, false}) {
    SCOPED_TRACE(tied);
    const nlohmann::json json = {{"vocab_size", 600},    {"d_model", 32},     {"d_kv", 8},
                                 {"d_ff", 64},           {"num_layers", 2},   {"num_decoder_layers", 1},
                                 {"num_heads", 4},       {"relative_attention_num_buckets", 16},
                                 {"relative_attention_max_distance", 32},   {"feed_forward_proj", "gated-gelu"},
                                 {"dropout_rate", 0.0},  {"tie_word_embeddings", tied},
                                 {"pad_token_id", 0},    {"eos_token_id", 1}};
    const auto config = models::parse_t5_config(models::HfConfig(json, "test config"));
    torch::manual_seed(3);
    models::T5ForConditionalGeneration model(config);
    models::init_t5_weights(*model);
    const auto out = amem::testing::fresh_dir("save_t5_new") / (tied ? "tied" : "untied");
    models::save_t5(*model, (kData / "tokenizers" / "t5_unigram").string(), out.string());

    auto reloaded = models::load_t5(out.string(), torch::kFloat32, torch::kCPU, /*trainable=*/false);
    expect_same_parameters(*model, *reloaded);
    EXPECT_TRUE(torch::equal(logits_of(*reloaded), logits_of(*model)));
    const auto names = io::SafetensorsCheckpoint::open(out.string()).names();
    EXPECT_EQ(std::count(names.begin(), names.end(), "lm_head.weight"), tied ? 0 : 1);
    EXPECT_EQ(std::count(names.begin(), names.end(), "encoder.embed_tokens.weight"), 0);
    EXPECT_TRUE(fs::is_regular_file(out / "spiece.model"));

    const auto written = models::read_t5_config(out.string());
    EXPECT_EQ(written.num_decoder_layers, 1);
    EXPECT_EQ(written.relative_attention_max_distance, 32);
    EXPECT_EQ(written.tie_word_embeddings, tied);
    EXPECT_EQ(written.feed_forward_proj, "gated-gelu");
    const auto config_json = nlohmann::json::parse(amem::testing::read_file(out / "config.json"));
    EXPECT_EQ(config_json["model_type"], "t5");
    EXPECT_EQ(config_json["dtype"], "float32");
    EXPECT_EQ(config_json["architectures"][0], "T5ForConditionalGeneration");
  }
}

TEST(SaveT5, AFolderWithoutATokenizerIsRefusedAndNothingIsWritten) {
  auto model = models::load_t5(fixture("tiny-t5"), torch::kFloat32, torch::kCPU, /*trainable=*/false);
  const auto dir = amem::testing::fresh_dir("save_t5_no_tokenizer");
  const auto out = dir / "model";
  EXPECT_THROW(models::save_t5(*model, dir.string(), out.string()), Error);
  EXPECT_FALSE(fs::exists(out));
}
