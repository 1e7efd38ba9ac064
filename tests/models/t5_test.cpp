#include "amem/models/t5.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::models::load_t5;
using amem::models::load_t5_encoder;

namespace {

const fs::path kModels = fs::path(AMEM_TEST_DATA_DIR) / "models";
const std::vector<std::string> kFixtures = {"tiny-t5", "tiny-t5-v1_1"};

torch::Tensor golden(const std::string& fixture, const std::string& name) {
  return amem::io::SafetensorsFile::open((kModels / fixture / "golden.safetensors").string())
      ->load(name);
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kCPU, torch::kFloat32) - b).abs().max().item<double>();
}

// Model outputs on `device` in `dtype` against the transformers fp32 goldens: each output's
// max |difference| must be at most abs_tolerance + rel_tolerance * (its largest golden magnitude).
void expect_parity(const std::string& fixture, torch::ScalarType dtype, torch::Device device,
                   double abs_tolerance, double rel_tolerance) {
  SCOPED_TRACE(fixture);
  torch::NoGradGuard no_grad;
  const std::string dir = (kModels / fixture).string();
  auto model = load_t5(dir, dtype, device, /*trainable=*/false);
  auto ids = golden(fixture, "input_ids").to(device);
  auto mask = golden(fixture, "attention_mask").to(device);
  auto check = [&](const torch::Tensor& ours, const std::string& name) {
    auto expected = golden(fixture, name);
    EXPECT_EQ(ours.sizes(), expected.sizes()) << name;
    EXPECT_LE(max_abs_diff(ours, expected),
              abs_tolerance + rel_tolerance * expected.abs().max().item<double>())
        << name;
  };
  check(model->encode(ids, mask), "encoder_hidden");
  check(model(ids, mask, golden(fixture, "decoder_input_ids").to(device)), "decoder_logits");
  auto encoder_hidden = golden(fixture, "encoder_hidden").to(device, dtype);
  check(
      model->decode_embeds(golden(fixture, "query_embeds").to(device, dtype), encoder_hidden, mask),
      "query_decoder_hidden");

  auto encoder = load_t5_encoder(dir, dtype, device, /*trainable=*/false);
  check(encoder(ids, mask), "encoder_hidden");
}

// A copy of a fixture's config and weights that a test may alter.
fs::path fixture_copy(const std::string& fixture, const std::string& name) {
  auto dir = amem::testing::fresh_dir(name);
  for (const char* file : {"config.json", "model.safetensors"})
    fs::copy_file(kModels / fixture / file, dir / file);
  return dir;
}

// Sets config.json keys of a fixture copy.
void edit_config(const fs::path& dir, const nlohmann::json& changes) {
  auto config = nlohmann::json::parse(amem::testing::read_file(dir / "config.json"));
  config.update(changes);
  amem::testing::write_file(dir / "config.json", config.dump(1));
}

std::vector<std::vector<int64_t>> rows(const torch::Tensor& ids) {
  std::vector<std::vector<int64_t>> out(ids.size(0));
  for (int64_t row = 0; row < ids.size(0); ++row)
    for (int64_t col = 0; col < ids.size(1); ++col)
      out[row].push_back(ids[row][col].item<int64_t>());
  return out;
}

// Rewrites dir/model.safetensors through `edit`, which may drop or replace tensors.
template <typename Edit>
void edit_weights(const fs::path& dir, Edit edit) {
  const auto path = (dir / "model.safetensors").string();
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  {
    auto file = amem::io::SafetensorsFile::open(path);
    for (const auto& entry : file->entries())
      tensors.emplace_back(entry.name, file->load(entry.name));
  }
  edit(tensors);
  amem::io::save_safetensors(path, tensors);
}

std::string load_error(const fs::path& dir) {
  try {
    load_t5(dir.string(), torch::kFloat32, torch::kCPU, false);
  } catch (const amem::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(T5, MatchesTransformersFp32OnCpu) {
  for (const auto& fixture : kFixtures)
    expect_parity(fixture, torch::kFloat32, torch::kCPU, 1e-4, 0);
}

TEST(T5, GreedyGenerateMatchesTransformers) {
  for (const auto& fixture : kFixtures) {
    SCOPED_TRACE(fixture);
    auto model = load_t5((kModels / fixture).string(), torch::kFloat32, torch::kCPU, false);
    const auto info =
        nlohmann::json::parse(amem::testing::read_file(kModels / fixture / "golden.json"));
    const auto& greedy = info.at("greedy");
    auto out =
        model->greedy_generate(golden(fixture, "input_ids"), golden(fixture, "attention_mask"),
                               greedy.at("max_new_tokens").get<int64_t>());
    EXPECT_EQ(rows(out), greedy.at("output_ids").get<std::vector<std::vector<int64_t>>>());
  }
}

// On tiny-t5-v1_1 greedy decoding gives row 0: 0 0 0 0 0 0 and row 1: 156 156 ... (golden.json).
// With 156 as end-of-sequence, row 1 stops after its first token and is padded from then on.
TEST(T5, GreedyGeneratePadsFinishedRows) {
  auto dir = fixture_copy("tiny-t5-v1_1", "t5_greedy_eos");
  edit_config(dir, {{"eos_token_id", 156}, {"pad_token_id", 7}});
  auto model = load_t5(dir.string(), torch::kFloat32, torch::kCPU, false);
  auto out = model->greedy_generate(golden("tiny-t5-v1_1", "input_ids"),
                                    golden("tiny-t5-v1_1", "attention_mask"), 6);
  EXPECT_EQ(rows(out),
            (std::vector<std::vector<int64_t>>{{0, 0, 0, 0, 0, 0, 0}, {0, 156, 7, 7, 7, 7, 7}}));
}

// With 0 (what every row generates first) as end-of-sequence, generation stops after one step.
TEST(T5, GreedyGenerateStopsWhenAllRowsFinish) {
  auto dir = fixture_copy("tiny-t5", "t5_greedy_stop");
  edit_config(dir, {{"eos_token_id", 0}});
  auto model = load_t5(dir.string(), torch::kFloat32, torch::kCPU, false);
  auto out = model->greedy_generate(golden("tiny-t5", "input_ids"),
                                    golden("tiny-t5", "attention_mask"), 6);
  EXPECT_EQ(rows(out), (std::vector<std::vector<int64_t>>{{0, 0}, {0, 0}}));
}

// Decoding one position at a time through the cache gives the teacher-forced hidden states.
TEST(T5, CachedDecodingMatchesFullSequence) {
  torch::NoGradGuard no_grad;
  const std::string fixture = "tiny-t5-v1_1";
  auto model = load_t5((kModels / fixture).string(), torch::kFloat32, torch::kCPU, false);
  auto mask = golden(fixture, "attention_mask");
  auto encoder_hidden = model->encode(golden(fixture, "input_ids"), mask);
  auto decoder_ids = golden(fixture, "decoder_input_ids");
  auto full = model->decode(decoder_ids, encoder_hidden, mask);
  amem::models::T5DecoderCache cache;
  std::vector<torch::Tensor> steps;
  for (int64_t i = 0; i < decoder_ids.size(1); ++i)
    steps.push_back(model->decode(decoder_ids.slice(1, i, i + 1), encoder_hidden, mask, &cache));
  EXPECT_LE(max_abs_diff(torch::cat(steps, 1), full), 1e-5);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache[0].self_key.size(2), decoder_ids.size(1));
}

TEST(T5, ConfigReadsVariantSettings) {
  auto v1 = amem::models::read_t5_config((kModels / "tiny-t5").string());
  EXPECT_FALSE(v1.gated_feed_forward);
  EXPECT_EQ(v1.activation, "relu");
  EXPECT_TRUE(v1.scale_decoder_outputs);
  auto v11 = amem::models::read_t5_config((kModels / "tiny-t5-v1_1").string());
  EXPECT_TRUE(v11.gated_feed_forward);
  EXPECT_EQ(v11.activation, "gelu_new");
  EXPECT_FALSE(v11.scale_decoder_outputs);
  EXPECT_EQ(v11.num_decoder_layers, 2);
  EXPECT_EQ(v11.relative_attention_num_buckets, 32);
}

double decoder_logits_error(const fs::path& dir, const std::string& fixture) {
  torch::NoGradGuard no_grad;
  auto model = load_t5(dir.string(), torch::kFloat32, torch::kCPU, false);
  auto logits = model(golden(fixture, "input_ids"), golden(fixture, "attention_mask"),
                      golden(fixture, "decoder_input_ids"));
  return max_abs_diff(logits, golden(fixture, "decoder_logits"));
}

// An untied checkpoint has its own `lm_head.weight` (here a copy of the shared table, so the
// goldens still hold); without it loading fails.
TEST(T5, UntiedOutputProjectionLoadsLmHead) {
  auto dir = fixture_copy("tiny-t5-v1_1", "t5_untied");
  edit_config(dir, {{"tie_word_embeddings", false}});
  EXPECT_NE(load_error(dir).find("missing tensor 'lm_head.weight'"), std::string::npos);
  edit_weights(dir, [](auto& tensors) {
    auto shared = std::find_if(tensors.begin(), tensors.end(),
                               [](const auto& t) { return t.first == "shared.weight"; });
    ASSERT_NE(shared, tensors.end());
    auto copy = shared->second.clone();
    tensors.emplace_back("lm_head.weight", copy);
  });
  EXPECT_LE(decoder_logits_error(dir, "tiny-t5-v1_1"), 1e-4);
}

// Configs written before transformers 5 have no scale_decoder_outputs: tied embeddings imply it.
TEST(T5, LegacyConfigScalesTiedDecoderOutput) {
  auto dir = fixture_copy("tiny-t5", "t5_legacy_config");
  auto config = nlohmann::json::parse(amem::testing::read_file(dir / "config.json"));
  config.erase("scale_decoder_outputs");
  amem::testing::write_file(dir / "config.json", config.dump(1));
  EXPECT_TRUE(amem::models::read_t5_config(dir.string()).scale_decoder_outputs);
  EXPECT_LE(decoder_logits_error(dir, "tiny-t5"), 1e-4);
}

TEST(T5, MissingTensorIsNamed) {
  auto dir = fixture_copy("tiny-t5", "t5_missing_tensor");
  edit_weights(dir, [](auto& tensors) {
    tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                 [](const auto& t) {
                                   return t.first ==
                                          "decoder.block.1.layer.1.EncDecAttention.v.weight";
                                 }),
                  tensors.end());
  });
  const auto message = load_error(dir);
  EXPECT_NE(message.find(dir.string() + ": "), std::string::npos) << message;
  EXPECT_NE(message.find("missing tensor 'decoder.block.1.layer.1.EncDecAttention.v.weight'"),
            std::string::npos)
      << message;
}

TEST(T5, WrongShapeIsNamed) {
  auto dir = fixture_copy("tiny-t5-v1_1", "t5_wrong_shape");
  edit_weights(dir, [](auto& tensors) {
    for (auto& [name, tensor] : tensors)
      if (name == "encoder.block.0.layer.1.DenseReluDense.wi_1.weight")
        tensor = torch::zeros({64, 64});
  });
  const auto message = load_error(dir);
  EXPECT_NE(message.find("'encoder.block.0.layer.1.DenseReluDense.wi_1.weight' has shape [64, 64], "
                         "the model expects [128, 64]"),
            std::string::npos)
      << message;
}

TEST(T5, UnknownFeedForwardProjIsAnError) {
  auto dir = fixture_copy("tiny-t5", "t5_bad_ff");
  edit_config(dir, {{"feed_forward_proj", "swiglu"}});
  try {
    load_t5(dir.string(), torch::kFloat32, torch::kCPU, false);
    FAIL() << "no error";
  } catch (const amem::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("config.json: key 'feed_forward_proj': expected \"relu\""), std::string::npos)
        << message;
    EXPECT_NE(message.find("got \"swiglu\""), std::string::npos) << message;
  }
}

TEST(T5, MissingConfigKeyIsNamed) {
  auto dir = amem::testing::fresh_dir("t5_missing_key");
  amem::testing::write_file(dir / "config.json", R"({"vocab_size": 10, "d_kv": 4})");
  try {
    amem::models::read_t5_config(dir.string());
    FAIL() << "no error";
  } catch (const amem::Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: key 'd_model': missing (expected an integer)"), std::string::npos)
        << e.what();
  }
}

TEST(T5, TrainableFlagSetsRequiresGrad) {
  const auto dir = (kModels / "tiny-t5").string();
  auto frozen = load_t5_encoder(dir, torch::kFloat32, torch::kCPU, /*trainable=*/false);
  for (const auto& p : frozen->parameters()) EXPECT_FALSE(p.requires_grad());
  auto trainable = load_t5(dir, torch::kFloat32, torch::kCPU, /*trainable=*/true);
  for (const auto& p : trainable->parameters()) EXPECT_TRUE(p.requires_grad());
  auto logits = trainable(golden("tiny-t5", "input_ids"), golden("tiny-t5", "attention_mask"),
                          golden("tiny-t5", "decoder_input_ids"));
  logits.sum().backward();
  EXPECT_TRUE(trainable->shared->weight.grad().defined());
}

TEST(T5, MatchesTransformersFp32OnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const auto& fixture : kFixtures)
    expect_parity(fixture, torch::kFloat32, torch::kCUDA, 1e-4, 0);
}

// bfloat16 keeps 8 significant bits: on CPU the outputs differ from the fp32 goldens by about 1%
// of their largest magnitude; 3% leaves room for other kernels' rounding.
constexpr double kBf16RelativeTolerance = 0.03;

TEST(T5, MatchesTransformersBf16OnCpu) {
  for (const auto& fixture : kFixtures)
    expect_parity(fixture, torch::kBFloat16, torch::kCPU, 0, kBf16RelativeTolerance);
}

TEST(T5, MatchesTransformersBf16OnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const auto& fixture : kFixtures)
    expect_parity(fixture, torch::kBFloat16, torch::kCUDA, 0, kBf16RelativeTolerance);
}

TEST(T5, DropoutOnlyInTrainMode) {
  const auto dir = (kModels / "tiny-t5").string();
  auto config = amem::models::read_t5_config(dir);
  EXPECT_EQ(config.dropout_rate, 0.0);  // the fixture's config.json; t5-base's says 0.1
  config.dropout_rate = 0.5;
  torch::manual_seed(0);
  amem::models::T5ForConditionalGeneration model(config);
  const auto ids = golden("tiny-t5", "input_ids"), mask = golden("tiny-t5", "attention_mask");
  const auto decoder_ids = golden("tiny-t5", "decoder_input_ids");
  model->train();
  EXPECT_FALSE(torch::equal(model(ids, mask, decoder_ids), model(ids, mask, decoder_ids)));
  model->eval();
  EXPECT_TRUE(torch::equal(model(ids, mask, decoder_ids), model(ids, mask, decoder_ids)));
}
