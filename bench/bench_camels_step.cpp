// Seconds per CaMeLS meta-training step and peak CUDA memory, for random models of the paper's
// shapes: a distilgpt2-sized weight model and a GPT-2 family base LM (float32, as meta-training
// runs). One step is what CamelsTrainingTask::compute_loss does plus the backward pass: weights
// for the batch's documents, the differentiable inner SGD step(s) of the base LM (one per document
// with --sequential 1, one on the batch with 0), the outer QA + KL loss, and its second-order
// backward into the weight model. Median of --repeats steps after one warm-up; one JSON line.
// Peak memory is the process's high-water mark, so run one --sequential setting per process
// (scripts/device/bench_camels.sh does).
//
// Usage: bench_camels_step [--base distilgpt2] [--batch 6] [--doc-tokens 512] [--qa-tokens 32]
//                          [--locality-tokens 512] [--sequential 1] [--repeats 5]
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <string>

#include "amem/eval/peak_memory.h"
#include "amem/methods/camels/camels_meta_step.h"
#include "amem/methods/camels/weight_model.h"
#include "bench_options.h"
#include "gpt2_presets.h"

namespace {

amem::train::LmBatch random_batch(int64_t rows, int64_t length, int64_t prompt, const torch::Device& device) {
  const auto options = torch::TensorOptions().dtype(torch::kLong).device(device);
  amem::train::LmBatch batch;
  batch.input_ids = torch::randint(0, 50256, {rows, length}, options);
  batch.attention_mask = torch::ones({rows, length}, options);
  batch.labels = batch.input_ids.clone();
  batch.labels.narrow(1, 0, prompt).fill_(-100);  // question tokens carry no loss
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--base", "distilgpt2"},     {"--batch", "6"},      {"--doc-tokens", "512"}, {"--qa-tokens", "32"},
      {"--locality-tokens", "512"}, {"--sequential", "1"}, {"--repeats", "5"}};
  if (!amem::bench::read_options(argc, argv, "bench_camels_step", args)) return 2;
  if (!torch::cuda::is_available() || !amem::bench::kGpt2Presets.count(args["--base"])) {
    std::fprintf(stderr, "bench_camels_step: needs CUDA and a known --base preset\n");
    return 2;
  }
  const int64_t batch = std::stoll(args["--batch"]), doc_tokens = std::stoll(args["--doc-tokens"]);
  const int64_t qa_tokens = std::stoll(args["--qa-tokens"]), locality_tokens = std::stoll(args["--locality-tokens"]);
  const bool sequential = args["--sequential"] != "0";
  const int repeats = std::stoi(args["--repeats"]);
  const torch::Device cuda(torch::kCUDA, 0);

  torch::manual_seed(0);
  auto base = std::make_shared<amem::models::Gpt2LmHeadModel>(amem::bench::gpt2_config(args["--base"]));
  base->to(cuda);
  base->eval();
  amem::bench::randomise(*base);
  for (auto& p : base->parameters()) p.set_requires_grad(false);
  auto body = std::make_shared<amem::models::Gpt2LmHeadModel>(amem::bench::gpt2_config("distilgpt2"));
  body->to(cuda);
  amem::bench::randomise(*body);
  amem::methods::camels::WeightModelImpl weight_model(body, /*body_dir=*/"", {});
  weight_model.train();

  amem::methods::camels::MetaBatch data;
  data.documents = random_batch(batch, doc_tokens, 0, cuda);
  data.questions = random_batch(batch, qa_tokens, qa_tokens / 2, cuda);
  data.locality = random_batch(1, locality_tokens, 0, cuda);
  amem::methods::camels::MetaObjective objective;  // the paper's: inner lr 5e-4, c_kl 0.1
  objective.sequential_update = sequential;
  const auto start = amem::methods::camels::current_parameters(*base);

  auto step = [&] {
    weight_model.zero_grad();
    amem::methods::camels::meta_step(weight_model, *base, start, data, objective, /*create_graph=*/true)
        .loss.backward();
  };
  step();
  const double seconds = amem::bench::median_cuda_seconds(step, repeats);
  const auto peak = amem::eval::peak_memory();
  std::printf(
      "{\"bench\": \"camels_step\", \"torch\": \"%s\", \"base\": \"%s\", \"weight_model\": \"distilgpt2\", "
      "\"batch\": %lld, \"doc_tokens\": %lld, \"qa_tokens\": %lld, \"locality_tokens\": %lld, \"sequential\": %s, "
      "\"step_s\": %.4f, \"peak_cuda_bytes\": %lld, \"peak_cuda_gib\": %.2f}\n",
      TORCH_VERSION, args["--base"].c_str(), (long long)batch, (long long)doc_tokens, (long long)qa_tokens,
      (long long)locality_tokens, sequential ? "true" : "false", seconds, (long long)peak.cuda_bytes.value_or(-1),
      double(peak.cuda_bytes.value_or(-1)) / double(1ll << 30));
  return 0;
}
