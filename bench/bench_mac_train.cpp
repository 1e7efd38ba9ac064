// Speed and memory of one MAC meta-training step on CUDA, as `amem train` takes it: amortize a bank
// of documents (the lifted ones with gradients), aggregate it for each lifted question, the base
// LM's answer loss under the prefix plus the no-gradient metrics, backward, clipping, AdamW.
//
// The networks come from a MAC config (default configs/mac/gpt2_xl.yaml: T5-large amortizer,
// T5-base question encoder, 24 virtual tokens) and the base LM is a random GPT-2 of a preset
// shape, all built without checkpoint files. The base LM is bf16; the networks are float32
// under bf16 autocast, as the config trains them. One process measures one lift ratio, because
// the CUDA peak (torch's caching allocator, LibTorch >= 2.9) cannot be reset portably;
// scripts/device/bench_mac.sh runs lift 1.0 and 0.25. Prints one JSON line.
//
// The objective is the config's, CMT's switches included (cmt.*: the training selector, the
// memory-aware objective's extra forward, the auxiliary terms), so a CMT config times CMT's step;
// --overrides "key=value;key=value" changes the config (scripts/device/bench_cmt.sh times CMT
// with and without the memory-aware objective beside MAC). --metrics 0 leaves out the no-grad
// metric forwards that `amem train` runs every step (one of which, the base LM without prefix,
// the memory-aware objective shares).
//
// Usage: bench_mac_train [--config configs/mac/gpt2_xl.yaml] [--overrides ""] [--metrics 1] [--preset gpt2-xl] [--lift 0.25]
//                        [--batch 8] [--doc-tokens 512] [--question-tokens 32] [--qa-tokens 64]
//                        [--steps 5] [--warmup 2] [--device cuda|cpu] [--accum 1]
//                        [--profile 0] [--peak-tflops 989] [--foreach 0] [--fused 0] [--cuda-graph 0]
// --device cpu (float32 base LM) only checks that the program runs; its timings mean nothing.
// --profile 1 then runs one more step phase by phase (objective forward, backward, clipping +
// AdamW, each timed between synchronisations) and one under the Kineto profiler
// (kernel_profile.h); --peak-tflops is the GPU's dense bf16 peak the MFU bound divides by.
// --foreach 1 steps with train.foreach_optimizer's AdamW and clipping (train/foreach_adamw.h).
// --fused 1 (or train.fused_optimizer=true) updates with at::_fused_adamw_ (train/capturable_adamw.h).
// --cuda-graph 1 (or train.cuda_graph=true) steps as `amem train` with train.cuda_graph: the
// first step eager, the second recorded, then replays (train/graphed_training_step.h), the
// metric forwards (--metrics 1) recorded with the rest, as with train.metrics_every=1.
// Speed options that are config keys, set through --overrides: model.vocab_pad_multiple=64,
// train.bf16_working_weights=true (bfloat16 copies of the networks' matrix weights, "bf16_working_weights"
// in the JSON line counts them), mac.fused_rms_norm=true (the T5s' norms as at::rms_norm).
// The memory options are config keys, set through --overrides: train.optimizer_state_dtype=bf16
// (AdamW's moments in bfloat16), mac.activation_checkpointing=amortizer_encoder (the amortizer's
// encoder recomputed in backward), train.foreach_optimizer=true (as --foreach 1); the JSON line
// names them. scripts/device/bench_mac_memory_options.sh measures them.
//
// Data parallelism: started by `amem launch` (or torchrun) it runs on every rank, each on
// cuda:LOCAL_RANK, gradients averaged as `amem train` does (distributed/gradient_all_reduce.h);
// rank 0 prints. A step is --accum micro-batches per rank; micro-batch k of the world's step
// (k = micro * world_size + rank, the order of one process with --accum world_size) is its own
// fixed random batch, so that one GPU with --accum 2 takes the same step as two GPUs with
// --accum 1: "losses" (each step's mean loss over all micro-batches) can be compared.
// scripts/device/multi_gpu_check.sh runs both.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "amem/config/amem_schema.h"
#include "amem/device/autocast.h"
#include "amem/distributed/gradient_all_reduce.h"
#include "amem/distributed/launch_environment.h"
#include "amem/distributed/process_group.h"
#include "amem/distributed/rank_device.h"
#include "amem/eval/peak_memory.h"
#include "amem/methods/mac/mac_objective.h"
#include "amem/train/bf16_working_weights.h"
#include "amem/train/capturable_adamw.h"
#include "amem/train/foreach_adamw.h"
#include "amem/train/graphed_training_step.h"
#include "amem/train/lm_loss.h"
#include "bench_options.h"
#include "gpt2_presets.h"
#include "kernel_profile.h"
#include "mac_presets.h"

namespace {

int run(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--config", "configs/mac/gpt2_xl.yaml"}, {"--preset", "gpt2-xl"},   {"--lift", "0.25"},
      {"--batch", "8"},                         {"--doc-tokens", "512"},   {"--question-tokens", "32"},
      {"--qa-tokens", "64"},                    {"--steps", "5"},          {"--warmup", "2"},
      {"--device", "cuda"},                     {"--overrides", ""},       {"--metrics", "1"},
      {"--accum", "1"},                         {"--profile", "0"},        {"--peak-tflops", "989"},
      {"--foreach", "0"},                       {"--cuda-graph", "0"},     {"--fused", "0"}};
  if (!amem::bench::read_options(argc, argv, "bench_mac_train", args)) return 2;
  const bool on_cuda = args["--device"] == "cuda";
  if ((on_cuda && !torch::cuda::is_available()) || !amem::bench::kGpt2Presets.count(args["--preset"])) {
    std::fprintf(stderr, "bench_mac_train: needs CUDA (or --device cpu) and a known --preset\n");
    return 2;
  }
  auto overrides = amem::bench::split_overrides(args["--overrides"]);
  overrides.push_back("mac.lift_ratio=" + args["--lift"]);
  const auto config = amem::config::load_config(amem::config::amem_schema(), args["--config"], overrides);
  const auto settings = amem::methods::MacSettings::from(config);
  const int64_t batch = std::stoll(args["--batch"]), doc_tokens = std::stoll(args["--doc-tokens"]);
  const int64_t question_tokens = std::stoll(args["--question-tokens"]), qa_tokens = std::stoll(args["--qa-tokens"]);
  const int steps = std::stoi(args["--steps"]), warmup = std::stoi(args["--warmup"]);
  const int accum = std::stoi(args["--accum"]);
  const auto launch = amem::distributed::launch_environment(std::getenv);
  const torch::Device device = launch ? amem::distributed::select_rank_device(*launch, on_cuda ? "cuda" : "cpu")
                               : on_cuda ? torch::Device(torch::kCUDA, 0)
                                         : torch::Device(torch::kCPU);
  std::unique_ptr<amem::distributed::ProcessGroup> group;
  if (launch) group = std::make_unique<amem::distributed::ProcessGroup>(*launch, device, std::chrono::minutes(10));
  const int rank = group ? group->rank() : 0, world = group ? group->size() : 1;
  const auto synchronize = [&] {
    if (on_cuda) torch::cuda::synchronize();
  };

  torch::manual_seed(0);
  amem::models::Gpt2LmHeadModel base(amem::bench::gpt2_config(args["--preset"]));
  base.to(device, on_cuda ? torch::kBFloat16 : torch::kFloat32);
  base.set_vocab_pad_multiple(config.get<int64_t>("model.vocab_pad_multiple"));
  amem::bench::randomise(base);
  for (auto& p : base.parameters()) p.set_requires_grad(false);
  base.eval();

  auto networks = amem::bench::random_mac_networks(settings, base.shape(), device, /*trainable=*/true);
  networks->train();
  std::vector<torch::Tensor> parameters = networks->parameters();
  const bool foreach_optimizer = args["--foreach"] != "0" || config.get<bool>("train.foreach_optimizer");
  const bool bf16_states = config.get<std::string>("train.optimizer_state_dtype") == "bf16";
  const bool fused_optimizer = args["--fused"] != "0" || config.get<bool>("train.fused_optimizer");
  auto adamw = amem::train::make_adamw(parameters, torch::optim::AdamWOptions(1e-5), foreach_optimizer,
                                       bf16_states ? torch::kBFloat16 : torch::kFloat32);
  auto& optimizer = *adamw;
  std::unique_ptr<amem::train::CapturableAdamW> fused_adamw;  // the eager step's, with --fused 1
  if (fused_optimizer && !(args["--cuda-graph"] != "0" || config.get<bool>("train.cuda_graph")))
    fused_adamw = std::make_unique<amem::train::CapturableAdamW>(optimizer, /*fused=*/true);
  // train.bf16_working_weights: bfloat16 copies of the weights autocast casts (on CUDA).
  std::unique_ptr<amem::train::Bf16WorkingWeights> working;
  if (config.get<bool>("train.bf16_working_weights") && on_cuda)
    working = std::make_unique<amem::train::Bf16WorkingWeights>(*networks, parameters);
  std::unique_ptr<amem::distributed::GradientAllReduce> all_reduce;
  if (group) all_reduce = std::make_unique<amem::distributed::GradientAllReduce>(parameters, *group, int64_t(25) << 20);

  const auto ids = torch::TensorOptions().dtype(torch::kLong);
  // Micro-batch k of the world's step: drawn on the CPU from seed k, the same in every layout.
  const auto micro_batch = [&](int64_t k) {
    torch::manual_seed(uint64_t(1000 + k));
    amem::methods::MacBatch data;
    data.documents = {torch::randint(2, 32000, {batch, doc_tokens}, ids).to(device),
                      torch::ones({batch, doc_tokens}, ids).to(device)};
    data.questions = {torch::randint(2, 32000, {batch, question_tokens}, ids).to(device),
                      torch::ones({batch, question_tokens}, ids).to(device)};
    const auto qa = torch::randint(0, 50256, {batch, qa_tokens}, ids).to(device);
    data.qa = {qa, torch::ones_like(qa), qa.clone()};
    data.qa.labels.slice(1, 0, qa_tokens / 2).fill_(amem::train::kIgnoreIndex);  // answer: the second half
    const auto text = torch::randint(0, 50256, {batch, doc_tokens}, ids).to(device);
    data.texts = {text, torch::ones_like(text), text.clone()};
    return data;
  };
  std::vector<amem::methods::MacBatch> micro_batches;
  for (int micro = 0; micro < accum; ++micro) micro_batches.push_back(micro_batch(int64_t(micro) * world + rank));
  // The fixed micro-batches' real tokens, counted once (reading the masks waits for the device).
  int64_t step_tokens = 0;
  for (const auto& micro : micro_batches) step_tokens += amem::methods::mac_batch_tokens(micro, settings.lift_ratio);
  const auto& cmt = settings.cmt;  // as MacTrainingTask::objective_options
  const amem::methods::MacObjectiveOptions options{settings.lift_ratio, settings.gpt_drop, args["--metrics"] != "0",
                                                   cmt.selector->during_training() ? cmt.selector.get() : nullptr,
                                                   cmt.memory_aware_alpha, cmt.auxiliary_terms,
                                                   settings.aggregator.get()};

  double loss = 0;  // printed so that a non-finite step (a broken run) shows
  std::vector<double> losses;  // each step's mean over the world's micro-batches
  const bool cuda_graph = args["--cuda-graph"] != "0" || config.get<bool>("train.cuda_graph");
  if (cuda_graph && (group || foreach_optimizer || settings.checkpoint_amortizer_encoder)) {
    std::fprintf(stderr, "bench_mac_train: --cuda-graph 1 runs one process, without --foreach and activation checkpointing\n");
    return 2;
  }
  if (working && group) {
    std::fprintf(stderr, "bench_mac_train: train.bf16_working_weights runs one process\n");
    return 2;
  }
  std::unique_ptr<amem::train::GraphedTrainingStep> graphed;
  std::vector<amem::train::TensorBatch> graph_batches;
  if (cuda_graph) {
    graphed = std::make_unique<amem::train::GraphedTrainingStep>(optimizer, 100.0, /*bf16_autocast=*/true,
                                                                 fused_optimizer, device, working.get());
    for (const auto& micro : micro_batches)
      graph_batches.push_back({micro.tensors(options.with_metrics), 0, options.with_metrics});
  }
  const auto graphed_step = [&] {
    const auto result = graphed->step(graph_batches, [&](const std::vector<torch::Tensor>& tensors, bool with_metrics) {
      auto micro_options = options;
      micro_options.with_metrics = with_metrics;
      micro_options.read_metrics = false;  // as MacTrainingTask: read after the step
      auto out = amem::methods::mac_objective(*networks, base, amem::methods::MacBatch::from_tensors(tensors),
                                              micro_options);
      return amem::train::StepOutput{out.loss, {}, 0, std::move(out.device_metrics)};
    });
    loss = result.loss_sum / double(accum);
    losses.push_back(loss);
  };
  // One step; `between` runs after each phase (the phase profile synchronises there).
  auto phased_step = [&](const std::function<void(const char*)>& between) {
    {
      RECORD_USER_SCOPE("amem.step.zero_grad");
      optimizer.zero_grad();
    }
    torch::Tensor loss_sum = torch::zeros({1}, torch::TensorOptions().dtype(torch::kDouble).device(device));
    if (working) working->refresh();
    for (int micro = 0; micro < accum; ++micro) {
      amem::methods::MacObjectiveOutput out;
      {
        const auto substitution = working ? working->substitute() : nullptr;
        {
          amem::device::Bf16Autocast autocast(true, device);
          out = amem::methods::mac_objective(*networks, base, micro_batches[size_t(micro)], options);
        }
        between("objective_forward");
        if (all_reduce) all_reduce->set_sync(micro == accum - 1);
        (out.loss / double(accum)).backward();
      }
      if (working) working->gather_gradients(micro == 0);
      between("backward");
      loss_sum += out.loss.detach().to(torch::kDouble);
    }
    if (all_reduce) {
      all_reduce->finish();
      group->all_reduce(loss_sum, "the step's loss");
    }
    {
      RECORD_USER_SCOPE("amem.step.clip");
      if (foreach_optimizer)
        amem::train::clip_grad_norm_foreach(parameters, 100.0);
      else
        torch::nn::utils::clip_grad_norm_(parameters, 100.0);
    }
    {
      RECORD_USER_SCOPE("amem.step.adamw");
      if (fused_adamw)
        fused_adamw->step();
      else
        optimizer.step();
    }
    between("clip_and_adamw");
    loss = loss_sum.item<double>() / double(accum * world);
    losses.push_back(loss);
  };
  auto step = [&] {
    if (graphed)
      graphed_step();
    else
      phased_step([](const char*) {});
  };
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> times;
  for (int i = 0; i < steps; ++i) {
    synchronize();
    const auto start = std::chrono::steady_clock::now();
    step();
    synchronize();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const auto peak = amem::eval::peak_memory();
  if (rank != 0) return 0;
  std::string loss_list;
  for (double l : losses) {
    char item[32];
    std::snprintf(item, sizeof item, "%s%.8g", loss_list.empty() ? "" : ", ", l);
    loss_list += item;
  }
  std::printf("{\"world_size\": %d, \"accum\": %d, \"losses\": [%s], ", world, accum, loss_list.c_str());
  std::printf(
      "\"impl\": \"amem\", \"torch\": \"%s\", \"config\": \"%s\", \"overrides\": \"%s\", \"metrics\": %s, \"preset\": \"%s\", "
      "\"foreach_optimizer\": %s, \"fused_optimizer\": %s, \"bf16_working_weights\": %lld, \"cuda_graph\": %s, \"cuda_graph_recordings\": %lld, \"optimizer_state_dtype\": \"%s\", \"activation_checkpointing\": \"%s\", \"memory_aware\": %s, \"auxiliary_terms\": %zu, \"selects_in_training\": %s, \"lift_ratio\": %.3f, "
      "\"documents\": %lld, \"lifted\": %lld, \"doc_tokens\": %lld, \"loss\": %.6f, \"step_s\": %.4f, \"tokens_per_s\": %.1f, "
      "\"peak_cuda_bytes\": %lld, \"peak_cuda_gib\": %.2f}\n",
      TORCH_VERSION, args["--config"].c_str(), args["--overrides"].c_str(),
      options.with_metrics ? "true" : "false", args["--preset"].c_str(), foreach_optimizer ? "true" : "false",
      fused_optimizer ? "true" : "false", (long long)(working ? working->numel() : 0), cuda_graph ? "true" : "false", (long long)(graphed ? graphed->recordings() : 0), bf16_states ? "bf16" : "fp32", settings.checkpoint_amortizer_encoder ? "amortizer_encoder" : "none",
      cmt.memory_aware_alpha ? "true" : "false", cmt.auxiliary_terms.size(),
      options.selector ? "true" : "false", settings.lift_ratio, (long long)batch,
      (long long)amem::methods::lifted_count(batch, settings.lift_ratio), (long long)doc_tokens, loss, median,
      double(step_tokens) / median, (long long)peak.cuda_bytes.value_or(-1),
      peak.cuda_bytes ? double(*peak.cuda_bytes) / double(1LL << 30) : -1.0);
  // One process, one micro-batch: the phases are then each timed once.
  if (args["--profile"] != "0" && on_cuda && !group && accum == 1) {
    if (graphed) {  // a replay has no phases to time
      amem::bench::profile_step("mac_step", step, std::stod(args["--peak-tflops"]) * 1e12);
      return 0;
    }
    synchronize();
    auto last = std::chrono::steady_clock::now();
    std::printf("{\"phases\": {");
    const char* separator = "";
    phased_step([&](const char* phase) {
      synchronize();
      const auto now = std::chrono::steady_clock::now();
      std::printf("%s\"%s\": %.4f", separator, phase, std::chrono::duration<double>(now - last).count());
      separator = ", ";
      last = now;
    });
    std::printf("}}\n");
    amem::bench::profile_step("mac_step", step, std::stod(args["--peak-tflops"]) * 1e12);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return amem::bench::guarded("bench_mac_train", [&] { return run(argc, argv); });
}
