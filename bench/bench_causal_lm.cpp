// Tokens per second of amem's GPT-2 (forward over full sequences, and greedy generation with the
// KV cache) for a random model of a GPT-2 family size, on CUDA. bench/hf_causal_lm.py measures
// transformers with the same shapes and protocol: median of --repeats timed runs after one
// warm-up. Prints one JSON line, like the Python side.
//
// Usage: bench_causal_lm [--preset gpt2-xl] [--dtype bf16|fp32] [--batch 8] [--seq 512]
//                        [--prompt 128] [--new-tokens 64] [--repeats 5]
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <string>

#include "amem/generation/generate.h"
#include "amem/models/gpt2.h"
#include "bench_options.h"
#include "gpt2_presets.h"

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {{"--preset", "gpt2-xl"}, {"--dtype", "bf16"}, {"--batch", "8"},
                                             {"--seq", "512"},         {"--prompt", "128"},  {"--new-tokens", "64"},
                                             {"--repeats", "5"}};
  if (!amem::bench::read_options(argc, argv, "bench_causal_lm", args)) return 2;
  if (!torch::cuda::is_available() || !amem::bench::kGpt2Presets.count(args["--preset"])) {
    std::fprintf(stderr, "bench_causal_lm: needs CUDA and a known --preset\n");
    return 2;
  }
  const int64_t batch = std::stoll(args["--batch"]), seq = std::stoll(args["--seq"]);
  const int64_t prompt_len = std::stoll(args["--prompt"]), new_tokens = std::stoll(args["--new-tokens"]);
  const int repeats = std::stoi(args["--repeats"]);
  const auto dtype = args["--dtype"] == "bf16" ? torch::kBFloat16 : torch::kFloat32;
  const torch::Device cuda(torch::kCUDA, 0);

  torch::manual_seed(0);
  amem::models::Gpt2LmHeadModel model(amem::bench::gpt2_config(args["--preset"]));  // as the Python side
  model.to(cuda, dtype);
  model.eval();
  amem::bench::randomise(model);
  for (auto& p : model.parameters()) p.set_requires_grad(false);

  auto ids = torch::randint(0, 50256, {batch, seq}, torch::TensorOptions().dtype(torch::kLong).device(cuda));
  auto prompt = ids.narrow(1, 0, prompt_len).contiguous();
  amem::generation::GenerationOptions options;
  options.max_new_tokens = new_tokens;  // no EOS ids: every row generates exactly new_tokens tokens

  torch::NoGradGuard no_grad;
  auto forward = [&] { model.forward(ids, torch::Tensor(), torch::Tensor(), nullptr); };
  auto generate = [&] { amem::generation::greedy_search(model, {prompt, torch::ones_like(prompt)}, options); };
  forward();
  generate();
  const double t_forward = amem::bench::median_cuda_seconds(forward, repeats);
  const double t_generate = amem::bench::median_cuda_seconds(generate, repeats);
  std::printf(
      "{\"impl\": \"amem\", \"torch\": \"%s\", \"preset\": \"%s\", \"dtype\": \"%s\", \"batch\": %lld, "
      "\"seq\": %lld, \"prompt\": %lld, \"new_tokens\": %lld, \"forward_s\": %.6f, \"forward_tokens_per_s\": %.1f, "
      "\"generate_s\": %.6f, \"generate_tokens_per_s\": %.1f}\n",
      TORCH_VERSION, args["--preset"].c_str(), args["--dtype"].c_str(), (long long)batch, (long long)seq,
      (long long)prompt_len, (long long)new_tokens, t_forward, batch * seq / t_forward, t_generate,
      batch * new_tokens / t_generate);
  return 0;
}
