// Parity of the decoder-only models with Hugging Face transformers, on the tiny checkpoints
// and golden outputs of tests/data/models (scripts/device/make_model_fixtures.py).
#include <gtest/gtest.h>

#include <filesystem>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/train/lm_loss.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using namespace amem;

namespace {

const char* const kCausalFixtures[] = {"tiny-gpt2", "tiny-llama", "tiny-qwen2"};

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

struct Golden {
  std::shared_ptr<io::SafetensorsFile> file;
  torch::Tensor operator[](const std::string& name) const { return file->load(name); }
};

Golden golden(const std::string& name) {
  return {io::SafetensorsFile::open(fixture(name) + "/golden.safetensors")};
}

models::Prefix golden_prefix(const Golden& g, int64_t layers) {
  models::Prefix prefix;
  for (int64_t l = 0; l < layers; ++l) {
    prefix.keys.push_back(g["prefix_key_" + std::to_string(l)]);
    prefix.values.push_back(g["prefix_value_" + std::to_string(l)]);
  }
  return prefix;
}

// Largest difference over the real (unpadded) positions: the reference's outputs at padding
// positions depend on how it masks fully masked rows, and nothing reads them.
double max_diff_on_real_tokens(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto real = mask.to(torch::kBool).unsqueeze(-1).expand_as(a);
  return (a - b).abs().masked_select(real).max().item<double>();
}

}  // namespace

TEST(CausalLmParity, LogitsWithLeftPaddingMatchTransformers) {
  torch::NoGradGuard no_grad;
  for (const char* name : kCausalFixtures) {
    auto model = models::load_causal_lm(fixture(name));
    auto g = golden(name);
    auto logits = model->forward(g["input_ids"], g["attention_mask"], g["position_ids"], nullptr);
    EXPECT_LE(max_diff_on_real_tokens(logits, g["logits"], g["attention_mask"]), 1e-4) << name;
  }
}

TEST(CausalLmParity, PrefixLogitsMatchPastKeyValues) {
  torch::NoGradGuard no_grad;
  for (const char* name : kCausalFixtures) {
    auto model = models::load_causal_lm(fixture(name));
    auto g = golden(name);
    auto prefix = golden_prefix(g, model->shape().num_layers);
    auto cache = models::KvCache::from_prefix(prefix);
    auto mask = torch::cat({torch::ones({2, prefix.length()}, torch::kLong), g["attention_mask"]}, 1);
    auto logits = model->forward(g["input_ids"], mask, g["position_ids"] + prefix.length(), &cache);
    EXPECT_LE(max_diff_on_real_tokens(logits, g["prefix_logits"], g["attention_mask"]), 1e-4) << name;
    EXPECT_EQ(cache.length(), prefix.length() + 8) << name;
  }
}

TEST(CausalLmParity, LossesMatchTransformers) {
  torch::NoGradGuard no_grad;
  for (const char* name : kCausalFixtures) {
    auto model = models::load_causal_lm(fixture(name));
    auto g = golden(name);
    auto ids = g["input_ids"], mask = g["attention_mask"];
    auto first = ids.narrow(0, 0, 1);
    auto loss = train::lm_loss(model->forward(first, {}, {}, nullptr), first);
    EXPECT_NEAR(loss.item<double>(), g["loss"].item<double>(), 1e-5) << name;

    auto labels = ids.clone();
    labels.narrow(1, 0, 5).fill_(train::kIgnoreIndex);
    labels.masked_fill_(mask == 0, train::kIgnoreIndex);
    auto answer_loss = train::lm_loss(model->forward(ids, mask, g["position_ids"], nullptr), labels);
    EXPECT_NEAR(answer_loss.item<double>(), g["answer_loss"].item<double>(), 1e-5) << name;
  }
}

TEST(CausalLm, GradientsReachThePrefixButNotTheFrozenBase) {
  for (const char* name : kCausalFixtures) {
    auto model = models::load_causal_lm(fixture(name));
    auto g = golden(name);
    auto prefix = golden_prefix(g, model->shape().num_layers);
    // One row, as leaf tensors that collect gradients (the prefix a MAC network would emit).
    for (auto* list : {&prefix.keys, &prefix.values})
      for (auto& t : *list) t = t.narrow(0, 0, 1).clone().set_requires_grad(true);
    auto cache = models::KvCache::from_prefix(prefix);
    auto ids = g["input_ids"].narrow(0, 0, 1);
    auto logits = model->forward(ids, {}, {}, &cache);
    train::lm_loss(logits, ids).backward();
    for (size_t l = 0; l < prefix.keys.size(); ++l) {
      ASSERT_TRUE(prefix.keys[l].grad().defined()) << name << " layer " << l;
      EXPECT_GT(prefix.keys[l].grad().abs().sum().item<double>(), 0.0) << name;
      EXPECT_GT(prefix.values[l].grad().abs().sum().item<double>(), 0.0) << name;
    }
    for (const auto& param : model->parameters()) {
      EXPECT_FALSE(param.requires_grad()) << name;
      EXPECT_FALSE(param.grad().defined()) << name;
    }
  }
}

TEST(CausalLm, Bfloat16RunsCloseToFloat32) {
  torch::NoGradGuard no_grad;
  for (const char* name : kCausalFixtures) {
    models::LoadOptions opts;
    opts.dtype = torch::kBFloat16;
    auto model = models::load_causal_lm(fixture(name), opts);
    auto g = golden(name);
    auto logits = model->forward(g["input_ids"], g["attention_mask"], g["position_ids"], nullptr);
    EXPECT_EQ(logits.scalar_type(), torch::kFloat32);
    // bf16 keeps 8 bits of mantissa; logits of these peaked random models are O(10).
    const double scale = g["logits"].abs().max().item<double>();
    EXPECT_LE(max_diff_on_real_tokens(logits, g["logits"], g["attention_mask"]), 0.05 * scale) << name;
  }
}

// model.vocab_pad_multiple: the output GEMM on zero-padded rows gives the unpadded logits (to
// GEMM rounding), [B, L, vocab] and contiguous, and the same gradients to every weight
// (GPT-2's tied embedding, LLaMA's separate lm_head, Qwen2's tied). Below 1 is refused.
TEST(CausalLm, VocabPaddingKeepsTheLogitsAndGradients) {
  for (const char* name : kCausalFixtures) {
    models::LoadOptions options;
    options.trainable = true;
    auto plain = models::load_causal_lm(fixture(name), options);
    options.vocab_pad_multiple = 64;  // 600 and 601 ids -> 640 rows
    auto padded = models::load_causal_lm(fixture(name), options);
    EXPECT_EQ(padded->vocab_pad_multiple(), 64);
    auto g = golden(name);
    const auto want = plain->forward(g["input_ids"], g["attention_mask"], g["position_ids"], nullptr);
    const auto got = padded->forward(g["input_ids"], g["attention_mask"], g["position_ids"], nullptr);
    ASSERT_EQ(got.sizes(), want.sizes()) << name;
    EXPECT_EQ(got.size(-1), plain->shape().vocab_size) << name;
    EXPECT_TRUE(got.is_contiguous()) << name;
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-5) << name;
    train::lm_loss(want, g["input_ids"]).backward();
    train::lm_loss(got, g["input_ids"]).backward();
    const auto plain_params = plain->named_parameters(), padded_params = padded->named_parameters();
    for (const auto& item : plain_params) {
      // Relative to the gradient's scale: a 16-thread CPU GEMM blocks the padded width otherwise.
      const auto& want_grad = item.value().grad();
      const double scale = want_grad.abs().max().item<double>();
      EXPECT_LE((want_grad - padded_params[item.key()].grad()).abs().max().item<double>(), 1e-4 * scale)
          << name << " " << item.key();
    }
  }
  auto model = models::load_causal_lm(fixture("tiny-gpt2"));
  EXPECT_THROW(model->set_vocab_pad_multiple(0), std::invalid_argument);
  // The key reaches the model through the config's load options.
  const auto config = config::load_config(config::amem_schema(), std::string(AMEM_SOURCE_DIR) + "/configs/qa_tune/tiny_squad.yaml",
                                          {"model.path=" + fixture("tiny-gpt2"), "model.vocab_pad_multiple=48"});
  const auto settings = models::ModelSettings::from(config);
  EXPECT_EQ(models::load_causal_lm(settings.path, settings.load_options(false))->vocab_pad_multiple(), 48);
}

TEST(CausalLm, CudaMatchesTransformersInFloat32AndBfloat16) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  for (const char* name : kCausalFixtures) {
    auto g = golden(name);
    for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
      models::LoadOptions opts;
      opts.dtype = dtype;
      opts.device = torch::kCUDA;
      auto model = models::load_causal_lm(fixture(name), opts);
      auto logits = model->forward(g["input_ids"].cuda(), g["attention_mask"].cuda(),
                                   g["position_ids"].cuda(), nullptr).cpu();
      const double tolerance = dtype == torch::kFloat32 ? 1e-3 : 0.05 * g["logits"].abs().max().item<double>();
      EXPECT_LE(max_diff_on_real_tokens(logits, g["logits"], g["attention_mask"]), tolerance)
          << name << " " << c10::toString(dtype);
    }
  }
}

namespace {

// A copy of a fixture in a temp folder, with config.json edited or tensors changed.
std::filesystem::path broken_copy(const std::string& name, const std::string& tag) {
  auto dir = amem::testing::fresh_dir("causal_" + tag);
  for (const auto& entry : std::filesystem::directory_iterator(fixture(name)))
    std::filesystem::copy(entry.path(), dir / entry.path().filename());
  return dir;
}

std::string load_error(const std::filesystem::path& dir) {
  try {
    models::load_causal_lm(dir.string());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void rewrite_weights(const std::filesystem::path& dir,
                     const std::function<void(std::vector<std::pair<std::string, torch::Tensor>>&)>& edit) {
  auto ckpt = io::SafetensorsCheckpoint::open(dir.string());
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& n : ckpt.names()) tensors.emplace_back(n, ckpt.load(n));
  edit(tensors);
  io::save_safetensors((dir / "model.safetensors").string(), tensors);
}

}  // namespace

TEST(CausalLm, BrokenCheckpointsAreOneLineErrors) {
  auto missing = broken_copy("tiny-llama", "missing");
  rewrite_weights(missing, [](auto& t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& p) { return p.first == "model.norm.weight"; }), t.end());
  });
  EXPECT_NE(load_error(missing).find("missing tensor 'model.norm.weight'"), std::string::npos) << load_error(missing);

  auto shape = broken_copy("tiny-gpt2", "shape");
  rewrite_weights(shape, [](auto& t) {
    for (auto& p : t)
      if (p.first == "transformer.ln_f.weight") p.second = torch::zeros({32});
  });
  EXPECT_NE(load_error(shape).find("tensor 'transformer.ln_f.weight' has shape [32], the model expects [64]"),
            std::string::npos) << load_error(shape);

  auto arch = broken_copy("tiny-gpt2", "arch");
  amem::testing::write_file(arch / "config.json", R"({"model_type": "bert", "vocab_size": 10})");
  EXPECT_NE(load_error(arch).find("config.json: key 'model_type': 'bert' is not a supported causal LM"),
            std::string::npos) << load_error(arch);

  auto key = broken_copy("tiny-gpt2", "key");
  amem::testing::write_file(key / "config.json", R"({"model_type": "gpt2", "vocab_size": 601, "n_positions": "64"})");
  EXPECT_NE(load_error(key).find("key 'n_positions': expected an integer, got \"64\""), std::string::npos)
      << load_error(key);
}

TEST(CausalLm, AForwardPastTheContextIsAnErrorNamingTheLengths) {
  torch::NoGradGuard no_grad;
  // tiny-gpt2's n_positions and tiny-llama's max_position_embeddings.
  for (const auto& [name, context] : {std::pair<std::string, int64_t>{"tiny-gpt2", 64}, {"tiny-llama", 128}}) {
    auto model = models::load_causal_lm(fixture(name));
    EXPECT_EQ(model->shape().max_positions, context) << name;
    EXPECT_NO_THROW(model->forward(torch::ones({1, context}, torch::kLong), {}, {}, nullptr)) << name;
    EXPECT_EQ(amem::testing::error_of([&] { model->forward(torch::ones({1, context + 1}, torch::kLong), {}, {}, nullptr); }),
              "causal LM: a forward over " + std::to_string(context + 1) + " positions (0 cached + " +
                  std::to_string(context + 1) + " new) exceeds the model's context of " + std::to_string(context))
        << name;
    // Cached positions count: a prefix of 8 leaves context - 8 for new tokens.
    const auto& s = model->shape();
    models::Prefix prefix;
    for (int64_t l = 0; l < s.num_layers; ++l) {
      prefix.keys.push_back(torch::zeros({1, s.num_kv_heads, 8, s.head_dim}));
      prefix.values.push_back(torch::zeros({1, s.num_kv_heads, 8, s.head_dim}));
    }
    auto cache = models::KvCache::from_prefix(prefix);
    EXPECT_EQ(amem::testing::error_of([&] { model->forward(torch::ones({1, context - 7}, torch::kLong), {}, {}, &cache); }),
              "causal LM: a forward over " + std::to_string(context + 1) + " positions (8 cached + " +
                  std::to_string(context - 7) + " new) exceeds the model's context of " + std::to_string(context))
        << name;
  }
}

TEST(CausalLm, AnInputIdOutsideTheVocabularyIsAnErrorNamingTheIdAndSize) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, vocab] : {std::pair<std::string, int64_t>{"tiny-gpt2", 601}, {"tiny-llama", 600}}) {
    auto model = models::load_causal_lm(fixture(name));
    auto ids = [](int64_t a, int64_t b) { return torch::tensor(std::vector<int64_t>{a, b}).view({1, 2}); };
    EXPECT_NO_THROW(model->forward(ids(0, vocab - 1), {}, {}, nullptr)) << name;
    EXPECT_EQ(amem::testing::error_of([&] { model->forward(ids(3, vocab), {}, {}, nullptr); }),
              "causal LM: input token id " + std::to_string(vocab) + " is outside the model's vocabulary of " +
                  std::to_string(vocab) + " ids (vocab_size in its config.json)")
        << name;
    EXPECT_NE(amem::testing::error_of([&] { model->forward(ids(-1, 2), {}, {}, nullptr); })
                  .find("input token id -1 is outside"),
              std::string::npos)
        << name;
  }
}
