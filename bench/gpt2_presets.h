// GPT-2 family shapes and CUDA timing shared by the bench programs (random weights: only the
// shapes matter for speed and memory).
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "amem/models/gpt2.h"

namespace amem::bench {

struct Gpt2Shape {
  int64_t n_embd, n_layer, n_head;
};
inline const std::map<std::string, Gpt2Shape> kGpt2Presets = {{"distilgpt2", {768, 6, 12}},
                                                              {"gpt2", {768, 12, 12}},
                                                              {"gpt2-medium", {1024, 24, 16}},
                                                              {"gpt2-large", {1280, 36, 20}},
                                                              {"gpt2-xl", {1600, 48, 25}}};

// The configuration of a preset: vocabulary 50257, 1024 positions, as Hugging Face's.
inline models::Gpt2Config gpt2_config(const std::string& preset) {
  const auto shape = kGpt2Presets.at(preset);
  models::Gpt2Config config;
  config.n_embd = shape.n_embd;
  config.n_layer = shape.n_layer;
  config.n_head = shape.n_head;
  return config;
}

// Fills a model with GPT-2's initialisation scale, drawn where the model lives (a 1.5B model on
// the CPU takes a while).
inline void randomise(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) p.normal_(0.0, 0.02);
}

// Median wall-clock seconds of `repeats` runs of fn, synchronising CUDA around each.
template <typename Fn>
double median_cuda_seconds(Fn&& fn, int repeats) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    fn();
    torch::cuda::synchronize();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace amem::bench
