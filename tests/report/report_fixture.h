// Hand-made run folders for the report tests: config.yaml as amem writes it (only the keys
// grouping looks at; the rest of a real config is the same in every run) and results.json.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "support/temp_dir.h"

namespace amem::testing {

struct FakeEval {
  std::string name = "squad_none";
  int run_seed = 1;
  int data_seed = 0;
  std::string output_dir = "/runs";
  std::string lr = "1e-5";
  std::string adapter = "none";
  double em = 0, f1 = 0;
  std::string extra_results;  // more JSON members, each ending in ",\n"
};

inline void write_eval_run(const std::filesystem::path& dir, const FakeEval& e) {
  write_file(dir / "config.yaml", "run:\n  name: " + e.name + "\n  seed: " + std::to_string(e.run_seed) +
                                      "\n  output_dir: " + e.output_dir + "\n  log_level: info\ndata:\n  seed: " +
                                      std::to_string(e.data_seed) + "\n  downsample_to: 8\neval:\n  adapter: " +
                                      e.adapter + "\nadapt:\n  lr: " + e.lr + "\n  optimizer: adam\n");
  write_file(dir / "results.json", "{\n  \"adapter\": \"" + e.adapter + "\",\n  \"exact_match\": " +
                                       std::to_string(e.em) + ",\n  \"f1\": " + std::to_string(e.f1) + ",\n" +
                                       e.extra_results +
                                       "  \"documents\": 8,\n  \"questions\": 178,\n"
                                       "  \"adapt_seconds_per_document\": {\"median\": 0.5, \"mean\": 0.75},\n"
                                       "  \"peak_cpu_memory_bytes\": 2097152,\n  \"peak_cuda_memory_bytes\": null,\n"
                                       "  \"memory_bank\": null\n}\n");
}

// A finished training run: metrics.jsonl with losses every 5 steps and a validation line, and
// its last/ model folder.
inline void write_training_run(const std::filesystem::path& dir, const std::string& name) {
  write_file(dir / "last" / "config.json", "{}");
  write_file(dir / "config.yaml", "run:\n  name: " + name + "\n  seed: 0\ntrain:\n  method: qa_tune\n  steps: 15\n");
  write_file(dir / "metrics.jsonl",
             "{\"step\":5,\"time\":1.0,\"loss\":7.4,\"qa_gain_from_base\":0.4,\"lr\":0.001}\n"
             "{\"step\":10,\"time\":2.0,\"loss\":7.0,\"qa_gain_from_base\":0.6,\"lr\":0.001}\n"
             "{\"step\":10,\"time\":2.5,\"val_em\":5.0,\"val_f1\":12.5,\"val_questions\":55}\n"
             "{\"step\":15,\"time\":3.0,\"loss\":6.1,\"qa_gain_from_base\":1.5,\"lr\":0.001}\n");
}

}  // namespace amem::testing
