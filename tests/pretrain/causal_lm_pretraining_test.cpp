// The causal-LM pre-training task: the new model's config.json from pretrain.architecture and
// the tokenizer, transformers' initialisation, and the Hugging Face folder it saves, which
// load_causal_lm reads back bit for bit.
#include "amem/pretrain/causal_lm_pretraining.h"

#include <gtest/gtest.h>

#include <cmath>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/models/load_causal_lm.h"
#include "amem/pretrain/causal_lm_architecture.h"
#include "amem/text/tokenizer.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::pretrain::causal_lm_config;

namespace {

const std::string kSource = AMEM_SOURCE_DIR;

amem::config::Config tiny_config(std::vector<std::string> overrides = {}) {
  overrides.push_back("pretrain.text_paths=[" + kSource + "/data/pretrain-sample/pretrain-en-sample.txt.xz]");
  overrides.push_back("pretrain.tokenizer=" + kSource + "/tests/data/models/tiny-gpt2");
  return amem::config::load_config(amem::config::amem_schema(), kSource + "/configs/pretrain/tiny_gpt2.yaml",
                                   overrides);
}

std::unique_ptr<amem::text::Tokenizer> tiny_tokenizer() {
  return amem::text::load_tokenizer(kSource + "/tests/data/models/tiny-gpt2");
}

std::string config_error(const nlohmann::json& architecture) {
  try {
    causal_lm_config(architecture, *tiny_tokenizer());
  } catch (const amem::ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

}  // namespace

TEST(CausalLmArchitecture, FillsTransformersDefaultsAndTheTokenizersVocabulary) {
  const auto config = causal_lm_config({{"model_type", "gpt2"}, {"n_layer", 3}}, *tiny_tokenizer());
  EXPECT_EQ(config["vocab_size"], 601);  // the tiny tokenizer's size
  EXPECT_EQ(config["eos_token_id"], 600);
  EXPECT_EQ(config["bos_token_id"], 600);
  EXPECT_EQ(config["n_layer"], 3);
  EXPECT_EQ(config["n_embd"], 768);  // GPT2Config's default
  EXPECT_EQ(config["initializer_range"], 0.02);
  EXPECT_EQ(config["architectures"], nlohmann::json::array({"GPT2LMHeadModel"}));
  const auto llama = causal_lm_config({{"model_type", "llama"}, {"hidden_size", 64}}, *tiny_tokenizer());
  EXPECT_EQ(llama["num_hidden_layers"], 32);
  EXPECT_EQ(llama["tie_word_embeddings"], false);
}

TEST(CausalLmArchitecture, RefusesWhatWouldSilentlyMismatch) {
  EXPECT_EQ(config_error({{"model_type", "gpt2"}, {"vocab_size", 600}}),
            "pretrain.architecture.vocab_size: 600 is below the tokenizer's 601 ids (null takes the tokenizer's size)");
  EXPECT_EQ(causal_lm_config({{"model_type", "gpt2"}, {"vocab_size", 640}}, *tiny_tokenizer())["vocab_size"], 640);
  EXPECT_EQ(config_error({{"model_type", "gpt2"}, {"hidden_size", 64}}),
            "pretrain.architecture.hidden_size: not a gpt2 key (remove it)");
  EXPECT_EQ(config_error({{"model_type", "gpt2"}, {"n_embd", 30}, {"n_head", 4}}),
            "pretrain.architecture: key 'n_head': must divide n_embd");
}

TEST(HfInitialization, Gpt2AsGpt2PreTrainedModelInitialisesIt) {
  torch::manual_seed(0);
  auto model = amem::pretrain::build_causal_lm(causal_lm_config(
      {{"model_type", "gpt2"}, {"n_embd", 128}, {"n_layer", 8}, {"n_head", 4}, {"n_positions", 256}},
      *tiny_tokenizer()));
  for (const auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    const auto& p = item.value();
    if (name.find("ln_") != std::string::npos) {
      EXPECT_TRUE(torch::equal(p, name.back() == 't' ? torch::ones_like(p) : torch::zeros_like(p))) << name;
    } else if (name.size() > 5 && name.substr(name.size() - 5) == ".bias") {
      EXPECT_TRUE(torch::equal(p, torch::zeros_like(p))) << name;
    } else {
      // c_proj: 0.02 / sqrt(2 * 8) = 0.005; every other weight 0.02.
      const bool residual = name.find("c_proj.weight") != std::string::npos;
      EXPECT_NEAR(p.std().item<double>(), residual ? 0.005 : 0.02, residual ? 2.5e-4 : 1e-3) << name;
      EXPECT_NEAR(p.mean().item<double>(), 0.0, 1e-3) << name;
    }
  }
}

TEST(HfInitialization, LlamaAsLlamaPreTrainedModelInitialisesIt) {
  torch::manual_seed(0);
  auto model = amem::pretrain::build_causal_lm(causal_lm_config(
      {{"model_type", "llama"}, {"hidden_size", 128}, {"intermediate_size", 256}, {"num_hidden_layers", 2},
       {"num_attention_heads", 4}, {"initializer_range", 0.05}},
      *tiny_tokenizer()));
  for (const auto& item : model->named_parameters()) {
    const auto& p = item.value();
    if (item.key().find("norm") != std::string::npos)
      EXPECT_TRUE(torch::equal(p, torch::ones_like(p))) << item.key();
    else
      EXPECT_NEAR(p.std().item<double>(), 0.05, 2e-3) << item.key();
  }
}

TEST(CausalLmPretraining, SavedFolderReloadsBitForBitWithItsTokenizer) {
  torch::manual_seed(0);
  amem::pretrain::CausalLmPretraining task(tiny_config());
  EXPECT_EQ(task.train_sequences().size(1), 64);
  EXPECT_GT(task.validation_sequences().size(0), 0);
  // A few optimiser steps, so that the saved weights are not the initial ones.
  std::vector<torch::Tensor> parameters;
  for (const auto& [name, tensor] : task.trainable()) parameters.push_back(tensor);
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(1e-2));
  for (int step = 0; step < 3; ++step) {
    optimizer.zero_grad();
    task.compute_loss().loss.backward();
    optimizer.step();
  }
  const auto dir = amem::testing::fresh_dir("CausalLmPretraining_Reload") / "model";
  fs::create_directories(dir);
  task.save_model(dir);
  for (const char* file : {"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json",
                           "generation_config.json"})
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;

  auto loaded = amem::models::load_causal_lm(dir.string());
  task.model().eval();
  const auto ids = task.validation_sequences().narrow(0, 0, 2);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(loaded->forward(ids, {}, {}, nullptr), task.model().forward(ids, {}, {}, nullptr)));
  const auto tokenizer = amem::text::load_tokenizer(dir.string());
  EXPECT_EQ(tokenizer->special().eos, 600);
  EXPECT_EQ(tokenizer->encode("The history of Wikipedia"), tiny_tokenizer()->encode("The history of Wikipedia"));
}

TEST(CausalLmPretraining, ValidationIsTheMeanLossOfEveryHeldOutToken) {
  torch::manual_seed(0);
  amem::pretrain::CausalLmPretraining task(tiny_config());
  torch::NoGradGuard no_grad;
  const auto metrics = task.validate({});
  ASSERT_EQ(metrics.size(), 3u);
  EXPECT_EQ(metrics[0].first, "loss");
  // An untrained model predicts about uniformly over the 601 ids: loss near ln 601 = 6.40.
  EXPECT_NEAR(metrics[0].second, std::log(601.0), 0.1);
  EXPECT_DOUBLE_EQ(metrics[1].second, std::exp(metrics[0].second));
  EXPECT_EQ(metrics[2].second, double(task.validation_sequences().size(0) * 63));
  EXPECT_EQ(task.selection().metric, "loss");
  EXPECT_FALSE(task.selection().higher_is_better);
}
