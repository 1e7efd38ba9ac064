#include "amem/models/weight_loader.h"

#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "support/temp_dir.h"

using amem::models::load_weights;
using amem::models::WeightLoadOptions;

namespace {

// A two-level module with a tied output layer, named like a Hugging Face model.
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    embed = register_module("embed", torch::nn::Embedding(5, 3));
    proj = register_module("proj", torch::nn::Linear(3, 2));
    register_buffer("scale", torch::ones({2}));
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Tiny);

std::string checkpoint_with(const std::string& name,
                            std::vector<std::pair<std::string, torch::Tensor>> tensors) {
  auto path = amem::testing::fresh_dir(name) / "model.safetensors";
  amem::io::save_safetensors(path.string(), tensors);
  return path.string();
}

std::string load_error(Tiny& model, const std::string& path, const WeightLoadOptions& opts) {
  try {
    load_weights(*model, amem::io::SafetensorsCheckpoint::open(path), opts);
  } catch (const amem::Error& e) {
    return e.what();
  }
  return "";
}

const std::vector<std::pair<std::string, torch::Tensor>> kFull = {
    {"model.embed.weight", torch::arange(15, torch::kFloat32).reshape({5, 3})},
    {"model.proj.weight", torch::full({2, 3}, 0.5)},
    {"model.proj.bias", torch::tensor({1.0, -1.0})},
    {"model.scale", torch::tensor({2.0, 3.0})},
    {"model.layers.0.attn.bias", torch::ones({1})},
};

}  // namespace

TEST(WeightLoader, FillsParametersAndBuffersByPrefixedName) {
  Tiny model;
  auto path = checkpoint_with("wl_ok", kFull);
  WeightLoadOptions opts;
  opts.prefixes = {"transformer.", "model."};
  opts.ignore_unexpected = {R"(model\.layers\.\d+\.attn\.bias)"};
  opts.dtype = torch::kBFloat16;
  model->proj->weight.set_requires_grad(false);
  load_weights(*model, amem::io::SafetensorsCheckpoint::open(path), opts);
  EXPECT_EQ(model->embed->weight.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(model->embed->weight.to(torch::kFloat32), kFull[0].second));
  EXPECT_TRUE(torch::equal(model->proj->bias.to(torch::kFloat32), kFull[2].second));
  EXPECT_TRUE(torch::equal(model->named_buffers()["scale"].to(torch::kFloat32), kFull[3].second));
  EXPECT_FALSE(model->proj->weight.requires_grad());
  EXPECT_TRUE(model->proj->bias.requires_grad());
}

TEST(WeightLoader, AliasFillsTiedWeight) {
  Tiny model;
  auto path = checkpoint_with("wl_alias", {{"embed.weight", torch::ones({5, 3})},
                                           {"proj.bias", torch::zeros({2})},
                                           {"scale", torch::ones({2})},
                                           {"head.weight", torch::full({2, 3}, 7.0)}});
  WeightLoadOptions opts;
  opts.aliases = {{"proj.weight", "head.weight"}};
  load_weights(*model, amem::io::SafetensorsCheckpoint::open(path), opts);
  EXPECT_EQ(model->proj->weight[1][2].item<float>(), 7.0f);
}

TEST(WeightLoader, MissingWrongShapeAndUnexpectedAreOneLineErrors) {
  Tiny model;
  WeightLoadOptions opts;
  opts.prefixes = {"model."};
  auto missing = kFull;
  missing.erase(missing.begin() + 1);
  EXPECT_NE(load_error(model, checkpoint_with("wl_missing", missing), opts)
                .find("missing tensor 'proj.weight' (looked under prefixes 'model.')"),
            std::string::npos);
  auto wrong = kFull;
  wrong[1].second = torch::ones({3, 2});
  EXPECT_NE(load_error(model, checkpoint_with("wl_shape", wrong), opts)
                .find("tensor 'model.proj.weight' has shape [3, 2], the model expects [2, 3]"),
            std::string::npos);
  EXPECT_NE(load_error(model, checkpoint_with("wl_unexpected", kFull), opts)
                .find("unexpected tensor 'model.layers.0.attn.bias'"),
            std::string::npos);
}
