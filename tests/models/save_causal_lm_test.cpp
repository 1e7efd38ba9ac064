#include "amem/models/save_causal_lm.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "amem/io/safetensors.h"
#include "amem/models/load_causal_lm.h"
#include "amem/text/tokenizer.h"
#include "support/temp_dir.h"

using namespace amem;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

torch::Tensor logits_of(models::CausalLm& model) {
  torch::NoGradGuard no_grad;
  return model.forward(torch::tensor({{5, 17, 42, 3, 99, 250}}, torch::kLong), {}, {}, nullptr);
}

}  // namespace

TEST(SaveCausalLm, AReloadedModelGivesTheSameLogitsUnderTheFixturesTensorNames) {
  for (const std::string name : {"tiny-gpt2", "tiny-llama", "tiny-qwen2"}) {
    auto model = models::load_causal_lm(fixture(name));
    const auto original = logits_of(*model);
    {
      // Perturb a parameter, so that the reload can only match by reading the saved weights.
      torch::NoGradGuard no_grad;
      model->parameters().front().add_(0.25);
    }
    const auto perturbed = logits_of(*model);
    ASSERT_FALSE(torch::allclose(original, perturbed)) << name;

    const auto out = amem::testing::fresh_dir("save_causal_lm") / name;
    models::save_causal_lm(*model, fixture(name), out.string());
    auto reloaded = models::load_causal_lm(out.string());
    EXPECT_TRUE(torch::equal(logits_of(*reloaded), perturbed)) << name;
    EXPECT_EQ(io::SafetensorsCheckpoint::open(out.string()).names(),
              io::SafetensorsCheckpoint::open(fixture(name)).names())
        << name;

    // The tokenizer came along.
    const std::string text = "Who was elected mayor of Korra in April 2021?";
    EXPECT_EQ(text::load_tokenizer(out.string())->encode_for_model(text),
              text::load_tokenizer(fixture(name))->encode_for_model(text))
        << name;
    EXPECT_TRUE(fs::exists(out / "generation_config.json")) << name;
  }
}

TEST(SaveCausalLm, WritesTheModelsDtypeAndReplacesAnEarlierSave) {
  const auto out = amem::testing::fresh_dir("save_causal_lm_bf16") / "model";
  auto model = models::load_causal_lm(fixture("tiny-llama"), {torch::kBFloat16});
  models::save_causal_lm(*model, fixture("tiny-llama"), out.string());
  amem::testing::write_file(out / "stale.txt", "from an earlier save");
  models::save_causal_lm(*model, fixture("tiny-llama"), out.string());

  EXPECT_FALSE(fs::exists(out / "stale.txt"));
  const auto checkpoint = io::SafetensorsCheckpoint::open(out.string());
  EXPECT_EQ(checkpoint.entry("model.embed_tokens.weight").dtype, torch::kBFloat16);
  EXPECT_NE(amem::testing::read_file(out / "config.json").find("\"dtype\": \"bfloat16\""), std::string::npos);
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    EXPECT_EQ(entry.path().filename(), "model") << "left behind: " << entry.path();
}
