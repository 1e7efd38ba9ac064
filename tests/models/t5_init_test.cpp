#include "amem/models/t5_init.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "amem/models/hf_config.h"

using namespace amem;

namespace {

models::T5Config tiny_config(double factor, bool tied) {
  const nlohmann::json json = {{"vocab_size", 300},  {"d_model", 64},   {"d_kv", 16},
                               {"d_ff", 256},        {"num_layers", 2}, {"num_heads", 4},
                               {"relative_attention_num_buckets", 32},
                               {"initializer_factor", factor},
                               {"tie_word_embeddings", tied},
                               {"pad_token_id", 0},  {"eos_token_id", 1}};
  return models::parse_t5_config(models::HfConfig(json, "test config"));
}

double std_of(const torch::Tensor& t) { return t.std().item<double>(); }

}  // namespace

TEST(T5Init, EachWeightHasTheStandardDeviationOfTransformersInitWeights) {
  // d_model 64, d_kv 16, heads 4, d_ff 256: wi and k, v, o and the position table 64^-0.5 =
  // 0.125, wo 256^-0.5 = 0.0625, q (64 * 16)^-0.5 = 0.03125, embeddings 1; all times the factor.
  for (double factor : {1.0, 2.0}) {
    SCOPED_TRACE(factor);
    torch::manual_seed(0);
    models::T5ForConditionalGeneration model(tiny_config(factor, /*tied=*/false));
    models::init_t5_weights(*model);
    const auto expected_std = [&](const std::string& name) {
      if (name == "shared.weight" || name == "lm_head.weight") return 1.0;
      if (name.find("DenseReluDense.wo") != std::string::npos) return 0.0625;
      if (name.find("Attention.q.") != std::string::npos) return 0.03125;
      return 0.125;
    };
    int norms = 0, drawn = 0;
    for (const auto& p : model->named_parameters()) {
      const std::string& name = p.key();
      if (name.find("layer_norm") != std::string::npos) {
        EXPECT_TRUE(torch::equal(p.value(), torch::full_like(p.value(), factor))) << name;
        ++norms;
        continue;
      }
      ++drawn;
      // The position table has 128 entries, the others thousands: a loose bound for it.
      const double tolerance = name.find("relative_attention_bias") != std::string::npos ? 0.2 : 0.06;
      EXPECT_NEAR(std_of(p.value()) / (factor * expected_std(name)), 1.0, tolerance) << name;
      EXPECT_NEAR(p.value().mean().item<double>(), 0.0, 0.3 * factor * expected_std(name)) << name;
    }
    // Encoder: 2 blocks x 2 norms + final; decoder: 2 x 3 + final.
    EXPECT_EQ(norms, 5 + 7);
    // shared, lm_head; encoder 2 x (q k v o wi wo) + table; decoder 2 x (q k v o, q k v o, wi wo) + table.
    EXPECT_EQ(drawn, 2 + 13 + 21);
  }
}

TEST(T5Init, TheDrawFollowsTheSeed) {
  const auto draw = [](uint64_t seed) {
    torch::manual_seed(seed);
    models::T5ForConditionalGeneration model(tiny_config(1.0, /*tied=*/true));
    models::init_t5_weights(*model);
    return model->encoder->named_parameters()["block.0.layer.0.SelfAttention.relative_attention_bias.weight"].clone();
  };
  EXPECT_TRUE(torch::equal(draw(4), draw(4)));
  EXPECT_FALSE(torch::equal(draw(4), draw(5)));
}
