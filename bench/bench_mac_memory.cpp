// Speed of MAC's online adaptation on CUDA, the two halves `amem eval` times separately:
//   amortize  a document of --doc-tokens T5 tokens into its modulation, one per forward (as amem
//             eval streams them) and --batch per forward (as amem memory build does), in float32
//             (what amem eval runs) and under bf16 autocast (how training runs); with the
//             largest relative difference of the autocast modulations from the float32 ones
//   answer    --questions questions read banks of each --banks size, in one cross-attention
//             over the whole bank and hierarchically in windows of --window: aggregation and the
//             per-layer prefix, not the generation that follows (the same for both)
//   stream    with --documents (a SQuAD file) and --tokenizer (the amortizer's T5 tokenizer): the
//             first --stream-documents distinct paragraphs, tokenized and cut at
//             mac.max_document_tokens as amem eval does, amortized as amem eval streams them: held
//             in windows of --batch, then one forward per group of equal token count
//             (memory.eval_batching=same_length) or one padded forward (=padded); float32 and bf16
//             autocast; seconds per document over the whole stream, tokenization included
// and the bank's bytes per document. Medians of --repeats runs after one warm-up; one JSON line
// each. Networks from a MAC config (default configs/mac/gpt2_xl.yaml: T5-large amortizer, T5-base
// question encoder, 24 virtual tokens) with random weights; the base LM's shape from --preset.
//
// Usage: bench_mac_memory [--config configs/mac/gpt2_xl.yaml] [--overrides "key=value;..."] [--preset gpt2-xl] [--doc-tokens 512]
//                         [--batch 8] [--questions 16] [--question-tokens 32] [--banks 16,128,1024]
//                         [--window 16] [--repeats 5] [--documents dev-v1.1.json --tokenizer T5_DIR
//                         --stream-documents 256]
#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "amem/config/amem_schema.h"
#include "amem/data/qa_dataset_reader.h"
#include "amem/device/autocast.h"
#include "amem/memory/hierarchical_aggregation.h"
#include "amem/methods/mac/mac_memory.h"
#include "amem/text/tokenizer.h"
#include "bench_options.h"
#include "gpt2_presets.h"
#include "mac_presets.h"

namespace {

int run(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--config", "configs/mac/gpt2_xl.yaml"}, {"--preset", "gpt2-xl"}, {"--doc-tokens", "512"},
      {"--batch", "8"},        {"--questions", "16"}, {"--question-tokens", "32"},
      {"--banks", "16,128,1024"}, {"--window", "16"}, {"--repeats", "5"}, {"--overrides", ""},
      {"--documents", ""}, {"--tokenizer", ""}, {"--stream-documents", "256"}};
  if (!amem::bench::read_options(argc, argv, "bench_mac_memory", args)) return 2;
  if (!torch::cuda::is_available() || !amem::bench::kGpt2Presets.count(args["--preset"])) {
    std::fprintf(stderr, "bench_mac_memory: needs CUDA and a known --preset\n");
    return 2;
  }
  const auto config = amem::config::load_config(amem::config::amem_schema(), args["--config"],
                                                amem::bench::split_overrides(args["--overrides"]));
  const auto settings = amem::methods::MacSettings::from(config);
  const int64_t doc_tokens = std::stoll(args["--doc-tokens"]), batch = std::stoll(args["--batch"]);
  const int64_t questions = std::stoll(args["--questions"]), question_tokens = std::stoll(args["--question-tokens"]);
  const int64_t window = std::stoll(args["--window"]);
  const int repeats = std::stoi(args["--repeats"]);
  const torch::Device device(torch::kCUDA, 0);
  const auto ids = torch::TensorOptions().dtype(torch::kLong).device(device);

  torch::manual_seed(0);
  // The base LM itself is not needed: only its shape sizes the modulations and prefix.
  const auto preset = amem::bench::kGpt2Presets.at(args["--preset"]);
  amem::models::CausalLmShape lm;
  lm.hidden_size = preset.n_embd;
  lm.num_layers = preset.n_layer;
  lm.num_heads = lm.num_kv_heads = preset.n_head;
  lm.head_dim = preset.n_embd / preset.n_head;
  auto networks = amem::bench::random_mac_networks(settings, lm, device, /*trainable=*/false);
  networks->eval();
  torch::NoGradGuard no_grad;
  auto& amortizer = *networks->amortizer;
  auto& aggregator = *networks->aggregator;
  const auto median = [&](auto&& fn) {
    fn();  // warm-up: kernels chosen, caching allocator filled
    return amem::bench::median_cuda_seconds(fn, repeats);
  };

  const auto documents = torch::randint(2, 32000, {batch, doc_tokens}, ids);
  const auto mask = torch::ones({batch, doc_tokens}, ids);
  const auto fp32 = amortizer.forward(documents, mask);
  torch::Tensor autocast_modulations;
  {
    amem::device::Bf16Autocast autocast(true, device);
    autocast_modulations = amortizer.forward(documents, mask).to(torch::kFloat32);
  }
  const double deviation = ((autocast_modulations - fp32).abs().max() / fp32.abs().max()).item<double>();
  const int64_t bytes_per_document = fp32[0].numel() * int64_t(fp32.element_size());
  for (const bool bf16 : {false, true}) {
    for (const int64_t n : {int64_t(1), batch}) {
      const double seconds = median([&] {
        amem::device::Bf16Autocast autocast(bf16, device);
        amortizer.forward(documents.slice(0, 0, n), mask.slice(0, 0, n));
      });
      std::printf("{\"what\": \"amortize\", \"precision\": \"%s\", \"documents_per_forward\": %lld, \"doc_tokens\": %lld, "
                  "\"s_per_document\": %.5f, \"max_relative_difference_from_fp32\": %.2e, "
                  "\"bank_bytes_per_document\": %lld}\n",
                  bf16 ? "bf16-autocast" : "fp32", (long long)n, (long long)doc_tokens, seconds / double(n),
                  bf16 ? deviation : 0.0, (long long)bytes_per_document);
    }
  }

  if (!args["--documents"].empty()) {
    const auto tokenizer = amem::text::load_tokenizer(args["--tokenizer"]);
    amem::data::DatasetSource source;
    source.format = "squad";
    source.path = args["--documents"];
    const auto dataset = amem::data::read_qa_dataset(source);
    std::vector<std::string> texts;
    for (const auto& document : dataset.documents)
      if (int64_t(texts.size()) < std::stoll(args["--stream-documents"])) texts.push_back(document.text);
    int64_t tokens = 0;
    std::vector<int64_t> token_counts;
    for (const auto& text : texts) {
      token_counts.push_back(amem::methods::t5_tokens(*tokenizer, {text}, settings.max_document_tokens, torch::kCPU)
                                 .ids.size(1));
      tokens += token_counts.back();
    }
    for (const bool bf16 : {false, true}) {
      for (const bool padded : {false, true}) {
        int64_t forwards = 0;
        const double seconds = median([&] {
          forwards = 0;
          amem::device::Bf16Autocast autocast(bf16, device);
          for (size_t begin = 0; begin < texts.size(); begin += size_t(batch)) {
            const size_t end = std::min(texts.size(), begin + size_t(batch));
            std::vector<std::vector<size_t>> groups;
            if (padded) {
              groups.emplace_back();
              for (size_t i = begin; i < end; ++i) groups.back().push_back(i - begin);
            } else {
              groups = amem::methods::same_length_groups({token_counts.begin() + std::ptrdiff_t(begin),
                                                          token_counts.begin() + std::ptrdiff_t(end)});
            }
            for (const auto& group : groups) {
              std::vector<std::string> members;
              for (const size_t i : group) members.push_back(texts[begin + i]);
              const auto t = amem::methods::t5_tokens(*tokenizer, members, settings.max_document_tokens, device);
              amortizer.forward(t.ids, t.mask);
              ++forwards;
            }
          }
        });
        std::printf("{\"what\": \"amortize_stream\", \"precision\": \"%s\", \"eval_batching\": \"%s\", "
                    "\"held\": %lld, \"documents\": %zu, \"mean_tokens\": %.1f, \"forwards\": %lld, "
                    "\"s_per_document\": %.5f}\n",
                    bf16 ? "bf16-autocast" : "fp32", padded ? "padded" : "same_length", (long long)batch,
                    texts.size(), double(tokens) / double(texts.size()), (long long)forwards,
                    seconds / double(texts.size()));
      }
    }
  }

  const auto question_ids = torch::randint(2, 32000, {questions, question_tokens}, ids);
  const auto question_mask = torch::ones({questions, question_tokens}, ids);
  std::stringstream banks(args["--banks"]);
  for (std::string size; std::getline(banks, size, ',');) {
    const auto bank = torch::randn({std::stoll(size), settings.num_virtual_tokens, lm.hidden_size}, device);
    for (const bool windowed : {false, true}) {
      const double seconds = median([&] {
        const auto queries = aggregator.encode_questions(question_ids, question_mask);
        const auto modulation = windowed ? amem::memory::aggregate_hierarchically(aggregator, queries, bank, window)
                                         : aggregator.attend(queries, bank.unsqueeze(0));
        networks->to_prefix(modulation, torch::kBFloat16);
      });
      std::printf("{\"what\": \"answer\", \"bank_documents\": %s, \"bank_mb\": %.1f, \"aggregation\": \"%s\", "
                  "\"questions\": %lld, \"s_per_question_batch\": %.5f}\n",
                  size.c_str(), double(bank.numel() * 4) / 1e6,
                  windowed ? ("window " + std::to_string(window)).c_str() : "whole bank", (long long)questions, seconds);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return amem::bench::guarded("bench_mac_memory", [&] { return run(argc, argv); });
}
