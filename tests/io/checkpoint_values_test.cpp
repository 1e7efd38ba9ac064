// Every loader of trained weights refuses a non-finite tensor and a tensor whose dtype label
// is not a float when a float is needed, naming the file and the tensor: MAC's networks, the
// CaMeLS weight model's head and training checkpoints (the base LMs and T5 are covered end to
// end in tests/cli/malformed_checkpoint_test.cpp). The rule itself lives in
// io::SafetensorsFile::load; these tests pin that each loader goes through it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/config/config.h"
#include "amem/io/safetensors.h"
#include "amem/methods/camels/weight_model.h"
#include "amem/methods/mac/mac_model.h"
#include "amem/train/training_checkpoint.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using amem::testing::error_of;
using amem::testing::fresh_dir;
using Tensors = std::vector<std::pair<std::string, torch::Tensor>>;

const fs::path kModels = fs::path(AMEM_SOURCE_DIR) / "tests" / "data" / "models";

// Every tensor of `file`, with `edit` applied, written back in place.
void rewrite(const fs::path& file, const std::function<void(Tensors&)>& edit) {
  Tensors tensors;
  {
    const auto stored = amem::io::SafetensorsFile::open(file.string());
    for (const auto& e : stored->entries()) tensors.emplace_back(e.name, stored->load(e.name));
  }
  edit(tensors);
  amem::io::save_safetensors(file.string(), tensors);
}

// Sets the first value of the first floating-point tensor to NaN; returns its name.
std::string poison_first(Tensors& tensors) {
  for (auto& [name, t] : tensors)
    if (t.is_floating_point() && t.numel() > 0) {
      t = t.clone();
      t.view(-1)[0] = std::nan("");
      return name;
    }
  return "";
}

// Relabels the first float32 tensor as int32 with the same bytes; returns its name.
std::string relabel_first(Tensors& tensors) {
  for (auto& [name, t] : tensors)
    if (t.scalar_type() == torch::kFloat32) {
      t = t.contiguous().view(torch::kInt32).clone();
      return name;
    }
  return "";
}

}  // namespace

TEST(CheckpointValues, MacNetworksRefuseNanAndMislabelledTensors) {
  const auto overrides = std::vector<std::string>{"model.path=" + (kModels / "tiny-gpt2").string(),
                                                  "mac.amortizer=" + (kModels / "tiny-t5").string(),
                                                  "mac.question_encoder=" + (kModels / "tiny-t5").string()};
  const auto config = amem::config::load_config(
      amem::config::amem_schema(), (fs::path(AMEM_SOURCE_DIR) / "configs" / "mac" / "tiny_gpt2.yaml").string(),
      overrides);
  amem::methods::MacModel mac(amem::methods::MacSettings::from(config), amem::models::ModelSettings::from(config),
                              amem::methods::MacModel::BaseLm::kShapeOnly);
  const auto dir = fresh_dir("checkpoint_values_mac");
  mac.save_networks(dir.string());
  const auto file = dir / "model.safetensors";  // what save_networks writes
  EXPECT_EQ(error_of([&] { mac.load_networks(dir.string()); }), "no error");

  std::string poisoned;
  rewrite(file, [&](Tensors& t) { poisoned = poison_first(t); });
  EXPECT_EQ(error_of([&] { mac.load_networks(dir.string()); }),
            file.string() + ": tensor '" + poisoned + "' holds NaN or infinite values");

  mac.save_networks(dir.string());
  std::string relabelled;
  rewrite(file, [&](Tensors& t) { relabelled = relabel_first(t); });
  EXPECT_NE(error_of([&] { mac.load_networks(dir.string()); })
                .find(file.string() + ": tensor '" + relabelled + "' is stored as I32 but is read as F32"),
            std::string::npos);
}

TEST(CheckpointValues, CamelsWeightModelHeadRefusesNanAndMislabelledTensors) {
  const auto dir = fresh_dir("checkpoint_values_camels");
  fs::copy(kModels / "tiny-llama", dir, fs::copy_options::recursive);
  const auto head = dir / amem::methods::camels::kTokenWeightingHeadFile;
  auto nan_bias = torch::zeros({1});
  nan_bias[0] = std::nan("");
  amem::io::save_safetensors(head.string(), {{"fc1.weight", torch::zeros({128, 64})},
                                             {"fc1.bias", torch::zeros({128})},
                                             {"fc2.weight", torch::zeros({1, 128})},
                                             {"fc2.bias", nan_bias}});
  EXPECT_EQ(error_of([&] { amem::methods::camels::load_weight_model(dir.string(), {}, {}); }),
            head.string() + ": tensor 'fc2.bias' holds NaN or infinite values");
  amem::io::save_safetensors(head.string(), {{"fc1.weight", torch::zeros({128, 64})},
                                             {"fc1.bias", torch::zeros({128}, torch::kInt32)},
                                             {"fc2.weight", torch::zeros({1, 128})},
                                             {"fc2.bias", torch::zeros({1})}});
  EXPECT_NE(error_of([&] { amem::methods::camels::load_weight_model(dir.string(), {}, {}); })
                .find(head.string() + ": tensor 'fc1.bias' is stored as I32 but is read as F32"),
            std::string::npos);
}

TEST(CheckpointValues, TrainingCheckpointRefusesNanAndMislabelledTensors) {
  const auto dir = fresh_dir("checkpoint_values_training") / "checkpoint";
  auto w = torch::randn({3, 2}).requires_grad_();
  torch::optim::AdamW optimizer({w});
  w.sum().backward();
  optimizer.step();
  const amem::train::NamedTensors trainable = {{"w", w}};
  amem::train::save_training_checkpoint(dir.string(), trainable, optimizer, {1, nullptr});
  EXPECT_EQ(error_of([&] { amem::train::load_training_checkpoint(dir.string(), trainable, optimizer); }), "no error");

  const auto weights = dir / "trainable.safetensors";
  rewrite(weights, [](Tensors& t) { poison_first(t); });
  EXPECT_EQ(error_of([&] { amem::train::load_training_checkpoint(dir.string(), trainable, optimizer); }),
            weights.string() + ": tensor 'w' holds NaN or infinite values");
  amem::io::save_safetensors(weights.string(), {{"w", torch::zeros({3, 2}, torch::kInt32)}});
  EXPECT_NE(error_of([&] { amem::train::load_training_checkpoint(dir.string(), trainable, optimizer); })
                .find(weights.string() + ": tensor 'w' is stored as I32 but is read as F32"),
            std::string::npos);
  const auto moments = dir / "optimizer.safetensors";
  rewrite(moments, [](Tensors& t) {
    for (auto& [name, tensor] : t)
      if (name == "w/exp_avg_sq") tensor = torch::full({3, 2}, INFINITY);
  });
  amem::io::save_safetensors(weights.string(), {{"w", torch::zeros({3, 2})}});
  EXPECT_EQ(error_of([&] { amem::train::load_training_checkpoint(dir.string(), trainable, optimizer); }),
            moments.string() + ": tensor 'w/exp_avg_sq' holds NaN or infinite values");
}
