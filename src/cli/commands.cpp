#include "cli/commands.h"

namespace amem::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"config", "show the resolved config of a config file and overrides", run_config},
      {"eval", "online evaluation: stream documents into an adapter, then answer their questions", run_eval, true},
      {"lm", "continue a prompt, score a text, or convert the dtype of a causal LM checkpoint", run_lm},
      {"train", "meta-train a method (train.method: mac, camels or qa_tune) and save what it trains", run_train, true},
      {"memory", "build a MAC memory bank from a stream's documents, or describe a saved one", run_memory},
      {"mac", "import a MAC model trained with the reference code (jihoontack/MAC) as amem's MAC model folder", run_mac},
      {"qa-tune", "QA pre-tuning of a base LM on training question-answer pairs (answer-only loss)", run_qa_tune, true},
      {"pretrain", "pre-train a new model on text (pretrain.objective: causal_lm, ...) into Hugging Face folders", run_pretrain, true},
      {"launch", "run N processes of a data-parallel command (train, eval, ...) on this machine, one per GPU", run_launch},
      {"sweep", "run amem eval over a grid of overrides (ablations, seeds) and tabulate EM/F1 per cell", run_sweep},
      {"report", "tables (Markdown, LaTeX) and plots of finished runs: mean ± std over seeds", run_report},
      {"inspect", "list the tensors of a safetensors file or checkpoint folder", run_inspect},
  };
  return table;
}

ConfigError not_data_parallel(const std::string& name, const std::string& how) {
  std::string names;
  for (const auto& c : commands())
    if (c.data_parallel) names += std::string(names.empty() ? "" : ", ") + c.name;
  return ConfigError("amem " + name + " does not run data-parallel, but " + how + "; run it as one process (the "
                     "data-parallel commands: " + names + ")");
}

}  // namespace amem::cli
