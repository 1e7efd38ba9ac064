// `amem memory build CONFIG [OVERRIDE...]` and `amem memory info PATH [--ids]`: MAC's memory
// bank as a file. build amortizes a stream's documents into a bank (what `amem eval` does
// document by document, here in batches) so that evaluations can answer from it; info says
// what a bank file holds and checks it.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/data/data_settings.h"
#include "amem/memory/memory_bank.h"
#include "amem/memory/memory_settings.h"
#include "amem/methods/mac/mac_memory.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/models/model_settings.h"
#include "amem/run/progress.h"
#include "amem/run/run_dir.h"
#include "amem/run/run_settings.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/eval_inputs.h"

namespace amem::cli {

namespace {

void print_help() {
  std::cout << "usage: amem memory build CONFIG [OVERRIDE...]\n"
               "       amem memory info PATH [--ids]\n\n"
               "build: amortizes the documents of the test stream (data.*, as `amem eval` streams\n"
               "them) with the MAC networks of mac.* (mac.networks: a trained folder) into a memory\n"
               "bank, memory.batch_size documents per forward, starting from memory.load if set\n"
               "(the base LM's weights are not loaded: its config.json gives the sizes).\n"
               "The run folder gets config.yaml, log.txt, metrics.jsonl and memory_bank.safetensors;\n"
               "`amem eval CONFIG memory.load=<run>/memory_bank.safetensors` answers from it.\n"
               "info: the bank's producer (the amortizer that made it), size and bytes per\n"
               "document, after checking its checksum; --ids lists its entries in order, one line\n"
               "each: the content key (what a streamed document is matched by) and the dataset's id.\n";
}

int build(const Args& args) {
  const auto arguments = parse_config_arguments(args, "memory build", print_help);
  if (!arguments) return 0;
  const auto config = config::load_config(config::amem_schema(), arguments->config, arguments->overrides);
  // Every setting, the data and the networks are read before the run folder exists, so a
  // mistake in any of them leaves no folder.
  refuse_training_overrides(config, "memory build", "it reads data.*, mac.*, model.* and memory.*");
  const auto data = data::DataSettings::from(config);
  const auto memory = memory::MemorySettings::from(config);
  // Saving the bank is what build is for: memory.save: false would be silently ignored here.
  if (!memory.save)
    throw ConfigError(config.source_of("memory.save") + ": memory.save: false, but `amem memory build` exists to "
                      "save the bank (memory.save: false is for `amem eval`); set it to true");
  if (memory.eval_pads_batches)
    throw ConfigError(config.source_of("memory.eval_batching") + ": memory.eval_batching: padded, but `amem memory "
                      "build` pads its batches whatever it says (the key is read by `amem eval`); leave it at same_length");
  const auto mac_settings = methods::MacSettings::from(config);
  const auto model_settings = models::ModelSettings::from(config);
  torch::manual_seed(uint64_t(run::RunSettings::from(config).seed));
  // A bank needs the base LM's sizes only, not its weights.
  methods::MacModel mac(mac_settings, model_settings, methods::MacModel::BaseLm::kShapeOnly);
  const auto producer = methods::bank_producer(mac);
  methods::DocumentKeys keys(mac);
  auto bank = methods::start_bank(mac, memory.load, producer, memory.dtype);
  const int64_t loaded = bank.size();
  const auto stream = data::make_stream(data::read_qa_dataset(data.test), data.stream);

  run::RunDir run_dir(config);
  try {
    run::Progress progress("amortize", int64_t(stream.documents.size()));
    const auto start = std::chrono::steady_clock::now();
    int64_t amortized = 0;
    for (size_t begin = 0, step = 0; begin < stream.documents.size(); begin += size_t(memory.batch_size), ++step) {
      const size_t end = std::min(stream.documents.size(), begin + size_t(memory.batch_size));
      std::vector<const data::Document*> batch;
      for (size_t i = begin; i < end; ++i) batch.push_back(&stream.documents[i]);
      const auto batch_start = std::chrono::steady_clock::now();
      int64_t added = 0;
      try {
        added = methods::amortize_into(mac, keys, bank, batch, methods::AmortizeBatching::padded, memory.dtype,
                                       memory.bf16_autocast).documents;
      } catch (const Error& e) {
        throw Error("stream positions " + std::to_string(begin + 1) + "-" + std::to_string(end) + " of " +
                    std::to_string(stream.documents.size()) + ": " + e.what());
      }
      if (torch::cuda::is_available()) torch::cuda::synchronize();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start).count();
      run_dir.metrics().log(int64_t(step), {{"documents", double(end - begin)}, {"amortized", double(added)},
                                            {"seconds", seconds}});
      amortized += added;
      progress.advance(int64_t(end - begin));
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto path = run_dir.path() / memory::kBankFile;
    bank.save(path.string(), producer);
    std::printf("memory bank: %lld documents (%lld amortized, %lld from memory.load), %lld bytes per document, "
                "%.2f MB in all; %.4f s per amortized document; %s\n",
                static_cast<long long>(bank.size()), static_cast<long long>(amortized),
                static_cast<long long>(loaded), static_cast<long long>(bank.bytes_per_document()),
                double(bank.size() * bank.bytes_per_document()) / 1e6, amortized ? seconds / double(amortized) : 0.0,
                path.string().c_str());
  } catch (const std::exception& e) {
    run_dir.mark_failed(e);
    throw;
  }
  return 0;
}

int info(const Args& args) {
  std::string path;
  bool list_ids = false;
  CLI::App app("", "memory info");
  app.add_option("path", path, "a memory bank file")->required();
  app.add_flag("--ids", list_ids, "list the entries: content key and dataset id");
  if (!parse_command_line(app, args, "memory info", print_help)) return 0;
  const auto bank = memory::MemoryBank::load(path);  // checks format, version, checksum, ids
  const auto header = memory::MemoryBank::inspect(path);
  std::printf("%s\n  producer    %s\n  documents   %lld\n  modulation  %lld tokens x %lld, %s\n"
              "  bytes       %lld per document, %.2f MB in all\n  checksum    ok\n",
              path.c_str(), header.producer.c_str(), static_cast<long long>(header.documents),
              static_cast<long long>(header.tokens), static_cast<long long>(header.width), header.dtype.c_str(),
              static_cast<long long>(header.bytes_per_document),
              double(header.documents * header.bytes_per_document) / 1e6);
  if (list_ids)  // content key (what the bank matches documents by), then the dataset's id
    for (int64_t i = 0; i < bank.size(); ++i)
      std::printf("%s\t%s\n", bank.content_keys()[size_t(i)].c_str(), bank.document_ids()[size_t(i)].c_str());
  return 0;
}

}  // namespace

int run_memory(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "build") return build(rest);
  if (args[0] == "info") return info(rest);
  throw ConfigError("memory: unknown action '" + args[0] + "' (expected build or info; see amem memory --help)");
}

}  // namespace amem::cli
