// train.bf16_working_weights: which weights get bfloat16 copies (those bf16 autocast casts, not
// norms, embeddings, learned queries or tied weights); a MAC step through the copies equals
// autocast's own step to the last bit (CPU autocast, whose kernels are deterministic), with two
// micro-batches so that the gathered gradients accumulate; the key is refused, naming it, where
// it cannot apply; on CUDA (skipped elsewhere) MAC training with the copies, eager and recorded,
// logs what autocast's training logs.
#include "amem/train/bf16_working_weights.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <string>
#include <vector>

#include "amem/methods/mac/mac_training_task.h"
#include "amem/train/train_settings.h"
#include "support/error_of.h"
#include "support/fixed_shape_mac_training.h"
#include "support/temp_dir.h"
#include "support/tiny_mac_config.h"

namespace {

// bfloat16 autocast on the CPU for a scope (amem's Bf16Autocast applies on CUDA only).
class CpuBf16Autocast {
 public:
  CpuBf16Autocast() {
#if TORCH_VERSION_MAJOR >= 2
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCPU, true);
#else
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
#endif
    at::autocast::increment_nesting();
  }
  ~CpuBf16Autocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR >= 2
    at::autocast::set_autocast_enabled(at::kCPU, false);
#else
    at::autocast::set_cpu_enabled(false);
#endif
  }
};

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<torch::Tensor> trained_tensors(amem::train::TrainingTask& task) {
  std::vector<torch::Tensor> out;
  for (const auto& [name, t] : task.trainable()) out.push_back(t);
  return out;
}

// An output layer that reads the embedding's weight (a tied head), beside an untied Linear.
struct TiedHead : torch::nn::LinearImpl {
  explicit TiedHead(const torch::Tensor& weight) : LinearImpl(torch::nn::LinearOptions(4, 10).bias(false)) {
    this->weight = parameters_["weight"] = weight;
  }
};
struct Tied : torch::nn::Module {
  Tied() {
    embedding = register_module("embedding", torch::nn::Embedding(10, 4));
    head = register_module("head", std::make_shared<TiedHead>(embedding->weight));
    other = register_module("other", torch::nn::Linear(4, 4));
  }
  torch::nn::Embedding embedding{nullptr};
  std::shared_ptr<TiedHead> head;
  torch::nn::Linear other{nullptr};
};

}  // namespace

TEST(Bf16WorkingWeights, CopiesTheWeightsBf16AutocastCasts) {
  const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {});
  amem::methods::MacTrainingTask task(config);
  ASSERT_NE(task.trained_module(), nullptr);
  amem::train::Bf16WorkingWeights working(*task.trained_module(), trained_tensors(task));
  const auto& names = working.names();
  // Linear weights of T5 and of the aggregator's cross-attention, the per-token MLP banks' products.
  EXPECT_TRUE(has(names, "amortizer.t5.encoder.block.0.layer.0.SelfAttention.q.weight"));
  EXPECT_TRUE(has(names, "amortizer.t5.decoder.block.0.layer.2.DenseReluDense.wo.weight"));
  EXPECT_TRUE(has(names, "aggregator.blocks.0.to_out.weight"));
  // A Linear's bias is added after the product on some backends (CPU autocast: in the product's
  // bfloat16 output, not cast first), so it stays float32.
  EXPECT_FALSE(has(names, "aggregator.blocks.0.to_out.bias"));
  EXPECT_TRUE(has(names, "to_prefix.token_mlps.hidden_weight"));
  EXPECT_TRUE(has(names, "amortizer.token_mlps.skip_bias") || has(names, "amortizer.token_mlps.output_bias"));
  // Not what autocast leaves in float32: norms, embeddings, position biases, learned queries.
  for (const auto& name : names) {
    for (const char* kept : {"norm", "shared", "embed", "relative_attention_bias", "queries"})
      EXPECT_EQ(name.find(kept), std::string::npos) << name;
  }
  int64_t numel = 0;
  for (const auto& p : task.trained_module()->named_parameters())
    if (has(names, p.key())) numel += p.value().numel();
  EXPECT_EQ(working.numel(), numel);

  // A weight that another module reads too (tied to an embedding) keeps float32.
  Tied tied;
  amem::train::Bf16WorkingWeights tied_working(tied, tied.parameters());
  EXPECT_EQ(tied_working.names(), (std::vector<std::string>{"other.weight"}));
}

// Two micro-batches of MAC's objective under CPU bfloat16 autocast, with and without the copies:
// the same losses and the same float32 gradients, bit for bit.
TEST(Bf16WorkingWeights, MacStepIsAutocastsStepToTheLastBit) {
  const auto config = amem::testing::tiny_mac_config("mac/tiny_gpt2.yaml", {"train.batch_size=2"});
  const auto step = [&](bool working_weights) {
    torch::manual_seed(0);
    amem::methods::MacTrainingTask task(config);
    const auto params = trained_tensors(task);
    std::unique_ptr<amem::train::Bf16WorkingWeights> working;
    if (working_weights) {
      working = std::make_unique<amem::train::Bf16WorkingWeights>(*task.trained_module(), params);
      working->refresh();
    }
    std::vector<double> losses;
    for (int micro = 0; micro < 2; ++micro) {
      {
        const auto substitution = working ? working->substitute() : nullptr;
        amem::train::StepOutput out;
        {
          CpuBf16Autocast autocast;
          out = task.compute_loss();
        }
        (out.loss / 2.0).backward();
        losses.push_back(out.loss.item<double>());
      }
      if (working) working->gather_gradients(micro == 0);
    }
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
    return std::make_pair(losses, grads);
  };
  const auto [want_losses, want_grads] = step(false);
  const auto [got_losses, got_grads] = step(true);
  EXPECT_EQ(got_losses, want_losses);
  ASSERT_EQ(got_grads.size(), want_grads.size());
  size_t compared = 0;
  for (size_t i = 0; i < want_grads.size(); ++i) {
    ASSERT_EQ(got_grads[i].defined(), want_grads[i].defined()) << i;
    if (!want_grads[i].defined()) continue;
    EXPECT_EQ(got_grads[i].scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(got_grads[i], want_grads[i])) << "gradient " << i;
    ++compared;
  }
  EXPECT_GT(compared, want_grads.size() / 2);
}

TEST(Bf16WorkingWeights, KeyIsRefusedWhereItCannotApplyNamingIt) {
  const auto refusal = [](std::vector<std::string> overrides, const std::string& file = "mac/tiny_gpt2.yaml") {
    overrides.push_back("train.bf16_working_weights=true");
    const auto config = amem::testing::tiny_mac_config(file, overrides);
    return amem::testing::error_of([&] { amem::train::TrainSettings::from(config); });
  };
  const std::string source = "override 'train.bf16_working_weights=true': train.bf16_working_weights: ";
  EXPECT_EQ(refusal({"train.bf16_autocast=false", "model.device=cuda"}),
            source + "replaces the casts of train.bf16_autocast, which is false (a float32 input would meet a "
                     "bfloat16 weight); set train.bf16_autocast=true or this to false");
  EXPECT_EQ(refusal({"train.bf16_autocast=true", "model.device=cpu"}),
            source + "needs CUDA's autocast, and this run trains on cpu (set model.device=cuda)");
  EXPECT_EQ(refusal({"train.bf16_autocast=true", "model.device=cuda", "train.method=camels"}),
            source + "applies to MAC and CMT training only (train.method: mac), and this config trains "
                     "train.method: camels; set it to false");
  EXPECT_EQ(refusal({"train.bf16_autocast=true", "model.device=cuda"}), "no error");
  EXPECT_EQ(refusal({"train.bf16_autocast=true", "model.device=cuda"}, "cmt/tiny_gpt2.yaml"), "no error");
}

// Tiny MAC training on CUDA under bf16 autocast, with and without the copies, eager and recorded
// (fixed shapes): the first step's loss is the same to the last bit (the same forward), and the
// logged values stay within bf16 noise (SDPA's memory-efficient backward adds with atomics, so
// two runs' gradients differ in their last bits, which bf16 rounding can then amplify).
TEST(Bf16WorkingWeights, OnCudaMacTrainingLogsWhatAutocastTrainingLogs) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA";
  const auto train = [](const std::string& name, bool working_weights, bool cuda_graph) {
    return amem::testing::train_fixed_shape_mac(
        "mac/tiny_gpt2.yaml", amem::testing::fresh_dir(name),
        {"train.bf16_autocast=true", "train.steps=4", std::string("train.cuda_graph=") + (cuda_graph ? "true" : "false"),
         std::string("train.bf16_working_weights=") + (working_weights ? "true" : "false")});
  };
  const auto want = train("autocast", false, false);
  ASSERT_EQ(want.size(), 4u);
  for (const bool graphed : {false, true}) {
    const auto got = train(graphed ? "working_graphed" : "working_eager", true, graphed);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0]["loss"].get<double>(), want[0]["loss"].get<double>()) << "graphed " << graphed;
    for (size_t i = 0; i < want.size(); ++i)
      for (const char* key : {"loss", "grad_norm"})
        EXPECT_NEAR(got[i][key].get<double>(), want[i][key].get<double>(), 1e-2 * std::abs(want[i][key].get<double>()))
            << key << " at step " << i + 1 << ", graphed " << graphed;
  }
}
