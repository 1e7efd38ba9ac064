// Tiny MAC or CMT training on CUDA with fixed shapes (documents padded, the reference's question
// and QA rows), as the CUDA graph and working-weight tests run it: the logged lines that carry
// a loss, one per step.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "amem/methods/mac/mac_training_task.h"
#include "amem/run/metrics_log.h"
#include "amem/train/train_settings.h"
#include "amem/train/training_loop.h"
#include "support/same_run.h"
#include "support/tiny_mac_config.h"

namespace amem::testing {

// `file` relative to configs/; `overrides` (train.steps, train.bf16_autocast, ...) after the
// fixed-shape ones. Trains into `dir` from seed 0.
inline std::vector<nlohmann::json> train_fixed_shape_mac(const std::string& file, const std::filesystem::path& dir,
                                                         const std::vector<std::string>& overrides) {
  std::vector<std::string> all = {"model.device=cuda", "train.batch_size=3", "train.log_every=1",
                                  "train.save_every=0", "train.eval_every=0", "train.val_documents=1",
                                  "train.max_grad_norm=1.0", "mac.gpt_drop=false", "mac.pad_documents_to=48",
                                  "mac.train_question_layout=left_pad:32", "mac.qa_layout=reference",
                                  "mac.qa_tokens=32", "mac.qa_answer_tokens=8"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  const auto config = tiny_mac_config(file, all);
  torch::manual_seed(0);
  methods::MacTrainingTask task(config);
  run::MetricsLog metrics((dir / "metrics.jsonl").string());
  train::run_training(task, train::TrainSettings::from(config), {dir, &metrics, config.to_yaml()});
  std::vector<nlohmann::json> lines;
  for (const auto& line : logged_values(dir)) {
    const auto parsed = nlohmann::json::parse(line);
    if (parsed.contains("loss")) lines.push_back(parsed);
  }
  return lines;
}

}  // namespace amem::testing
