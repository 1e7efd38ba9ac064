// Loading a causal LM checkpoint in a fresh process (issue 16, item 1): seconds to load the
// model onto the device, seconds from the program's start to the first generated token, the
// rest of a short greedy generation, and the process's peak host RSS and peak CUDA memory.
// scripts/device/load_bench.sh runs it (and `amem lm generate`, and transformers'
// from_pretrained + generate through scripts/device/load_bench.py) in fresh processes and prints
// the medians side by side. Prints one JSON line.
//
// Usage: bench_load --model DIR [--dtype bf16|fp32] [--device cuda|cpu] [--new-tokens 8]
//                   [--prompt-ids 1,450,4996,17354,1701,29916]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "amem/eval/peak_memory.h"
#include "amem/generation/generate.h"
#include "amem/models/load_causal_lm.h"
#include "bench_options.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  for (std::string piece; std::getline(in, piece, ',');) ids.push_back(std::stoll(piece));
  if (ids.empty()) throw amem::ConfigError("--prompt-ids: expected comma-separated token ids");
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  const auto start = Clock::now();
  std::map<std::string, std::string> args = {{"--model", ""},       {"--dtype", "bf16"},
                                             {"--device", "cuda"},  {"--new-tokens", "8"},
                                             {"--prompt-ids", "1,450,4996,17354,1701,29916"}};
  if (!amem::bench::read_options(argc, argv, "bench_load", args)) return 2;
  return amem::bench::guarded("bench_load", [&] {
    if (args["--model"].empty()) throw amem::ConfigError("--model is required");
    amem::models::LoadOptions options;
    options.dtype = args["--dtype"] == "bf16" ? torch::kBFloat16 : torch::kFloat32;
    options.device = args["--device"] == "cuda" ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    const bool cuda = options.device.is_cuda();
    auto sync = [&] { if (cuda) torch::cuda::synchronize(); };

    auto model = amem::models::load_causal_lm(args["--model"], options);
    sync();
    const double load_s = seconds_since(start);

    torch::NoGradGuard no_grad;
    const auto ids = torch::tensor(parse_ids(args["--prompt-ids"]), torch::kLong).view({1, -1}).to(options.device);
    const amem::generation::Prompt prompt{ids, torch::ones_like(ids)};
    amem::generation::GenerationOptions first;
    first.max_new_tokens = 1;
    amem::generation::greedy_search(*model, prompt, first).cpu();  // .cpu(): waits for the token
    const double first_token_s = seconds_since(start);

    amem::generation::GenerationOptions all;
    all.max_new_tokens = std::stoll(args["--new-tokens"]);  // no EOS ids: exactly this many
    const auto generate_start = Clock::now();
    amem::generation::greedy_search(*model, prompt, all).cpu();
    const double generate_s = seconds_since(generate_start);

    const auto peak = amem::eval::peak_memory();
    std::printf(
        "{\"impl\": \"amem\", \"torch\": \"%s\", \"load_s\": %.3f, \"first_token_s\": %.3f, \"generate_s\": %.3f, "
        "\"new_tokens\": %lld, \"peak_rss_bytes\": %lld, \"peak_gpu_bytes\": %lld}\n",
        TORCH_VERSION, load_s, first_token_s, generate_s, (long long)all.max_new_tokens, (long long)peak.cpu_bytes,
        (long long)peak.cuda_bytes.value_or(-1));
    return 0;
  });
}
