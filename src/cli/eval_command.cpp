// `amem eval CONFIG [OVERRIDE...]`: the online-adaptation evaluation (eval/online_eval.h)
// of the adapter a config names, recorded in a new run folder.
//
// Data-parallel under a launcher (docs/multi_gpu.md), for the adapters that change no weights
// (mac, none, gold_document): every rank adapts to the whole stream (MAC: the whole bank) and
// answers its share of the question batches, gathered in stream order, so rank 0 writes the
// results of one process. The fine-tuning adapters (uniform, salient, camels) are refused: their
// gradient steps run in stream order, and every rank would repeat all of them.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "amem/config/amem_schema.h"
#include "amem/core/error.h"
#include "amem/data/data_settings.h"
#include "amem/distributed/batch_shards.h"
#include "amem/distributed/launch_environment.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/online_eval.h"
#include "amem/methods/mac/mac_settings.h"
#include "amem/methods/make_adapter.h"
#include "amem/run/run_dir.h"
#include "amem/run/run_settings.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/eval_inputs.h"
#include "cli/launched_group.h"

namespace amem::cli {

namespace {

// The adapters are the schema's choices for eval.adapter (what make_adapter builds), listed from
// there so that the help names every one.
std::string adapter_names() {
  std::string names;
  for (const auto& name : config::amem_schema().find("eval.adapter")->choices) names += (names.empty() ? "" : ", ") + name;
  return names;
}

void print_help() {
  std::cout << "usage: amem eval CONFIG [OVERRIDE...]\n\n"
               "Streams the test documents (data.*) into the adapter eval.adapter names\n("
            << adapter_names()
            << "),\nthen answers every question with the adapted model (eval.decoding: greedy, or\n"
               "group_beam as MAC and CaMeLS decode) and scores it twice: SQuAD v1.1 EM and F1\n"
               "against all gold answers, and EM and F1 as the MAC/CaMeLS reference code computes\n"
               "them (one gold, EM when the prediction starts with it; eval.prediction_text,\n"
               "eval.gold_max_tokens). The run folder gets config.yaml,\n"
               "log.txt, metrics.jsonl (seconds per document), predictions.jsonl and results.json;\n"
               "with mac also memory_bank.safetensors (memory.save), which memory.load=PATH reuses.\n"
               "Overrides as in `amem config show`, e.g. eval.adapter=uniform adapt.lr=1e-4; train.*\n"
               "overrides are refused (an eval trains nothing: the fine-tuning adapters read adapt.*).\n\n"
               "CMT's analyses, for any adapter, into results.json: eval.retention.every=R with\n"
               "eval.retention.first_documents=N re-answers the first N documents' questions after\n"
               "every R documents (the retention curve); eval.distractors.fractions=[0,0.5,1] with\n"
               "eval.distractors.path=FILE re-runs the stream with that share of FILE's documents\n"
               "inserted (EM/F1 per fraction).\n\n"
               "Under amem launch or torchrun (eval.adapter mac, none or gold_document), every rank\n"
               "absorbs the whole stream and answers its share of the questions; rank 0 writes\n"
               "(docs/multi_gpu.md).\n";
}

}  // namespace

int run_eval(const Args& args) {
  if (args.empty()) {
    print_help();
    return 2;
  }
  const auto arguments = parse_config_arguments(args, "eval", print_help);
  if (!arguments) return 0;
  const auto config = config::load_config(config::amem_schema(), arguments->config, arguments->overrides);
  // Every setting, the data and the models are read before the run folder exists, so a
  // mistake in any of them leaves no folder; what this build lacks, before the data.
  methods::refuse_mac_keys_this_build_lacks(config);
  const EvalInputs inputs(config);
  const auto& data = inputs.data;
  const auto& eval = inputs.eval;
  const auto seed = inputs.seed;
  const auto& stream = inputs.stream;
  const auto& distractors = inputs.distractors;
  if (distributed::launch_environment(std::getenv) && eval.adapter != "mac" && eval.adapter != "none" &&
      eval.adapter != "gold_document")
    throw ConfigError(config.source_of("eval.adapter") + ": eval.adapter: '" + eval.adapter +
                      "' fine-tunes in stream order and does not run data-parallel; run it as one process "
                      "(eval.adapter mac, none and gold_document do)");
  const auto group = join_launched_group(config);
  const distributed::BatchShards shards(group.get());
  torch::manual_seed(seed);
  auto adapter = methods::make_adapter(config);

  // Rank 0 alone makes the run folder and writes; the other ranks answer their shares.
  std::optional<run::RunDir> run_dir;
  if (shards.writes()) run_dir.emplace(config);
  spdlog::info("{}: {} documents and {} questions in the stream", data.test.path, stream.documents.size(),
               stream.question_count());
  try {
    eval::OnlineEvalOptions options;
    options.batch_size = eval.batch_size;
    options.gold_max_tokens = eval.gold_max_tokens;
    options.metrics = run_dir ? &run_dir->metrics() : nullptr;
    options.retention = eval.retention;
    options.shards = &shards;
    std::ostringstream discarded;
    if (!run_dir) options.progress.stream = &discarded;
    auto results = eval::run_online_eval(*adapter, stream, options);
    if (run_dir) adapter->save(run_dir->path());
    if (distractors) {
      adapter.reset();  // each fraction's adapter starts as this one did, from the config and the seed
      results.distractors = eval::run_distractor_curve(
          [&] {
            torch::manual_seed(seed);
            return methods::make_adapter(config);
          },
          *distractors, *eval.distractors, options);
      if (!run_dir) return 0;
      for (const auto& p : results.distractors->points)
        std::printf("distractors %g (%zu documents): EM %.2f F1 %.2f (reference scoring: EM %.2f F1 %.2f)\n",
                    p.fraction, p.distractor_documents, p.scores.exact_match, p.scores.f1,
                    p.scores.reference_exact_match, p.scores.reference_f1);
    }
    if (!run_dir) return 0;
    if (const auto& retention = results.retention)
      for (const auto& p : retention->points)
        std::printf("retention after %zu documents, first %lld documents' %zu questions: EM %.2f F1 %.2f "
                    "(reference scoring: EM %.2f F1 %.2f)\n",
                    p.documents_seen, static_cast<long long>(retention->settings.first_documents),
                    retention->questions, p.scores.exact_match, p.scores.f1, p.scores.reference_exact_match,
                    p.scores.reference_f1);
    eval::write_online_eval(results, run_dir->path());
    std::printf("%s: EM %.2f F1 %.2f (reference scoring: EM %.2f F1 %.2f) over %zu questions on %zu documents; "
                "adaptation %.4f s/document (median), %.4f (mean); results in %s\n",
                results.adapter.c_str(), results.exact_match, results.f1, results.reference_exact_match,
                results.reference_f1, results.questions, results.documents,
                results.adapt_seconds_median, results.adapt_seconds_mean, run_dir->path().string().c_str());
    if (const auto& m = results.stored_memory)
      std::printf("memory bank: %lld documents (%lld from memory.load), %lld bytes per document, %.2f MB in all\n",
                  static_cast<long long>(m->documents), static_cast<long long>(m->loaded),
                  static_cast<long long>(m->bytes_per_document), double(m->bytes()) / 1e6);
  } catch (const std::exception& e) {
    if (run_dir) run_dir->mark_failed(e);
    throw;
  }
  return 0;
}

}  // namespace amem::cli
