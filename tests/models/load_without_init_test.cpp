// Loading a causal LM builds its modules uninitialised, in the target dtype and device
// (layers/skip_init.h), and fills them from the mapped checkpoint, whose pages leave the
// resident set once copied (io/safetensors.h). The result must equal the former path (build
// initialised in float32, then replace every tensor) to the bit, and the host memory a load
// takes must stay near the model itself, not twice it.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "amem/io/remove_tree.h"
#include "amem/io/safetensors.h"
#include "amem/models/gpt2.h"
#include "amem/models/hf_config.h"
#include "amem/models/llama.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/weight_loader.h"
#include "support/temp_dir.h"

using namespace amem;

namespace {

std::string fixture(const std::string& name) { return std::string(AMEM_TEST_DATA_DIR) + "/models/" + name; }

// The former load: modules built with LibTorch's initialisation in float32 on the CPU, then
// every tensor replaced from the checkpoint (the options load_causal_lm uses for each family).
std::shared_ptr<models::CausalLm> initialise_then_copy(const std::string& dir, torch::ScalarType dtype) {
  const auto config = models::HfConfig::read(dir);
  models::WeightLoadOptions opts;
  opts.dtype = dtype;
  std::shared_ptr<models::CausalLm> model;
  if (config.string("model_type") == "gpt2") {
    model = std::make_shared<models::Gpt2LmHeadModel>(models::Gpt2Config::from(config));
    opts.prefixes = {"transformer.", ""};
    opts.ignore_unexpected = {R"(lm_head\.weight)", R"((transformer\.)?h\.\d+\.attn\.(masked_)?bias)"};
  } else {
    model = std::make_shared<models::LlamaForCausalLm>(models::LlamaConfig::from(config));
    opts.ignore_unexpected = {R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)"};
  }
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  models::load_weights(*model, io::SafetensorsCheckpoint::open(dir), opts);
  model->eval();
  return model;
}

// Writes a LLaMA-shaped float32 checkpoint of `layers` layers without holding it in memory
// (values from a fixed linear congruential sequence, small and finite), in shards of 40 MB.
void write_large_llama(const std::filesystem::path& dir, int64_t layers, int64_t hidden, int64_t inner,
                       int64_t vocab) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> tensors = {{"model.embed_tokens.weight", {vocab, hidden}},
                                                                      {"model.norm.weight", {hidden}},
                                                                      {"lm_head.weight", {vocab, hidden}}};
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* n : {"q_proj", "k_proj", "v_proj", "o_proj"})
      tensors.push_back({p + "self_attn." + n + ".weight", {hidden, hidden}});
    tensors.push_back({p + "mlp.gate_proj.weight", {inner, hidden}});
    tensors.push_back({p + "mlp.up_proj.weight", {inner, hidden}});
    tensors.push_back({p + "mlp.down_proj.weight", {hidden, inner}});
    tensors.push_back({p + "input_layernorm.weight", {hidden}});
    tensors.push_back({p + "post_attention_layernorm.weight", {hidden}});
  }
  const uint64_t shard_bytes = 40u << 20;
  std::vector<std::vector<size_t>> shards(1);
  uint64_t in_shard = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t bytes = 4;
    for (auto d : tensors[i].second) bytes *= uint64_t(d);
    if (in_shard > 0 && in_shard + bytes > shard_bytes) shards.emplace_back(), in_shard = 0;
    shards.back().push_back(i);
    in_shard += bytes;
  }
  nlohmann::json weight_map;
  uint32_t state = 12345;
  std::vector<float> chunk(1 << 16);
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::string file = "model-" + std::to_string(s + 1) + "-of-" + std::to_string(shards.size()) + ".safetensors";
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (size_t i : shards[s]) {
      uint64_t bytes = 4;
      for (auto d : tensors[i].second) bytes *= uint64_t(d);
      header[tensors[i].first] = {{"dtype", "F32"}, {"shape", tensors[i].second}, {"data_offsets", {offset, offset + bytes}}};
      offset += bytes;
      weight_map[tensors[i].first] = file;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::ofstream out(dir / file, std::ios::binary);
    const uint64_t n = text.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << text;
    for (uint64_t left = offset / 4; left > 0;) {
      const size_t count = std::min<uint64_t>(left, chunk.size());
      for (size_t k = 0; k < count; ++k) {
        state = state * 1664525u + 1013904223u;
        chunk[k] = float(int32_t(state >> 8) - (1 << 23)) / float(1 << 28);
      }
      out.write(reinterpret_cast<const char*>(chunk.data()), std::streamsize(count * 4));
      left -= count;
    }
  }
  std::ofstream(dir / "model.safetensors.index.json") << nlohmann::json{{"weight_map", weight_map}}.dump();
  nlohmann::json config = {{"model_type", "llama"}, {"vocab_size", vocab}, {"hidden_size", hidden},
                           {"intermediate_size", inner}, {"num_hidden_layers", layers},
                           {"num_attention_heads", 8}, {"max_position_embeddings", 64},
                           {"tie_word_embeddings", false}};
  std::ofstream(dir / "config.json") << config.dump();
}

// A line of /proc/self/status, in bytes.
int64_t status_bytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
  return -1;
}

}  // namespace

TEST(LoadWithoutInit, LogitsEqualTheInitialiseThenCopyPathInFloat32AndBfloat16) {
  const auto ids = torch::tensor({{5, 17, 250, 3, 42, 99}}, torch::kLong);
  const auto mask = torch::ones_like(ids);
  const auto positions = torch::arange(6).unsqueeze(0);
  for (const char* name : {"tiny-gpt2", "tiny-llama", "tiny-qwen2"}) {
    for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
      SCOPED_TRACE(std::string(name) + (dtype == torch::kFloat32 ? " float32" : " bfloat16"));
      torch::NoGradGuard no_grad;
      models::LoadOptions options;
      options.dtype = dtype;
      auto loaded = models::load_causal_lm(fixture(name), options);
      auto former = initialise_then_copy(fixture(name), dtype);
      for (const auto& p : loaded->named_parameters()) {
        EXPECT_EQ(p.value().scalar_type(), dtype) << p.key();
        EXPECT_FALSE(p.value().requires_grad()) << p.key();
      }
      const auto logits = loaded->forward(ids, mask, positions, nullptr);
      EXPECT_EQ(logits.scalar_type(), former->forward(ids, mask, positions, nullptr).scalar_type());
      EXPECT_TRUE(torch::equal(logits, former->forward(ids, mask, positions, nullptr)));
    }
  }
}

TEST(LoadWithoutInit, LoadingDrawsNoRandomNumbers) {
  torch::manual_seed(11);
  const auto expected = torch::rand({3});
  torch::manual_seed(11);
  models::load_causal_lm(fixture("tiny-llama"));
  EXPECT_TRUE(torch::equal(torch::rand({3}), expected));
}

// A 160 MB float32 checkpoint in 40 MB shards, loaded on the CPU: the peak resident memory the
// load adds must stay near the model's own bytes plus about one tensor (the largest is 25 MB) of
// mapped file and copy, measured at 1.3x. Keeping every mapped page resident until the end, as
// loading did before, adds the whole checkpoint again (2x and more).
TEST(LoadWithoutInit, PeakHostMemoryStaysNearTheModelSize) {
  const auto dir = amem::testing::fresh_dir("LoadWithoutInit_PeakHostMemory");
  const int64_t layers = 4, hidden = 768, inner = 2048, vocab = 8000;
  write_large_llama(dir, layers, hidden, inner, vocab);
  const int64_t model_bytes = 4 * (2 * vocab * hidden + hidden + layers * (4 * hidden * hidden + 3 * inner * hidden + 2 * hidden));
  const int64_t before = status_bytes("VmRSS");
  // Writing "5" resets the peak (VmHWM) to the current resident size (proc(5), clear_refs).
  std::ofstream("/proc/self/clear_refs") << "5";
  if (status_bytes("VmHWM") > before + (8 << 20)) GTEST_SKIP() << "this kernel cannot reset VmHWM";
  auto model = models::load_causal_lm(dir.string());
  const int64_t added = status_bytes("VmHWM") - before;
  std::cout << "[ memory ] model " << model_bytes / 1e6 << " MB, load peak +" << added / 1e6 << " MB ("
            << double(added) / double(model_bytes) << "x)\n";
  EXPECT_LT(added, model_bytes * 16 / 10);
  // The values arrived: the first stored embedding value is the sequence's first number.
  uint32_t state = 12345u * 1664525u + 1013904223u;
  const float first = float(int32_t(state >> 8) - (1 << 23)) / float(1 << 28);
  const auto embed = model->named_parameters()["model.embed_tokens.weight"];
  EXPECT_EQ(embed[0][0].item<float>(), first);
  amem::io::remove_tree(dir.string());
}
