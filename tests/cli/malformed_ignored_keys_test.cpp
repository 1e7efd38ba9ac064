// Keys the user set that the run would ignore, or that a command cannot honour (issue 12: never a
// silent default). Each case runs the `amem` program: exit 2, one error line naming the key and
// where it was set (Config::source_of: the override as written), and no run folder left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "amem/methods/make_training_task.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using amem::testing::run_amem;

namespace {

struct Case {
  std::string name;
  std::string arguments;              // after `amem`; `run.output_dir` is appended
  std::vector<std::string> mentions;  // each must appear in the error line
  std::string absent;                 // must not appear in the output ("" for none)
};

const std::string kBank = "tests/data/models/tiny-t5/model.safetensors";  // any existing file

TEST(MalformedIgnoredKeys, KeysTheRunWouldIgnoreAreConfigErrors) {
  const std::vector<Case> cases = {
      // 1. memory.* with an adapter that has no memory bank.
      {"memory_load_none", "eval configs/eval/squad_none.yaml memory.load=" + kBank,
       {"override 'memory.load=" + kBank + "': memory.load: set, but eval.adapter 'none' (configs/eval/squad_none.yaml)",
        "no memory bank"}},
      {"memory_window_uniform", "eval configs/eval/squad_uniform.yaml memory.window=16",
       {"override 'memory.window=16': memory.window: set, but eval.adapter 'uniform'"}},
      {"memory_load_adapter_override", "eval configs/eval/squad_mac.yaml eval.adapter=salient memory.load=" + kBank,
       {"memory.load: set, but eval.adapter 'salient' (override 'eval.adapter=salient')"}},
      {"memory_dtype_none", "eval configs/eval/squad_none.yaml memory.dtype=bf16",
       {"override 'memory.dtype=bf16': memory.dtype: set, but eval.adapter 'none'", "leave it at its default"}},
      {"memory_batch_size_camels", "eval configs/eval/squad_camels.yaml memory.batch_size=4",
       {"override 'memory.batch_size=4': memory.batch_size: set, but eval.adapter 'camels'"}},
      {"memory_batching_gold", "eval configs/eval/squad_mac.yaml eval.adapter=gold_document memory.eval_batching=padded",
       {"memory.eval_batching: set, but eval.adapter 'gold_document'"}},
      {"memory_autocast_salient", "eval configs/eval/squad_salient.yaml memory.bf16_autocast=true",
       {"override 'memory.bf16_autocast=true': memory.bf16_autocast: set, but eval.adapter 'salient'"}},
      {"memory_save_none", "eval configs/eval/squad_none.yaml memory.save=false",
       {"override 'memory.save=false': memory.save: set, but eval.adapter 'none'"}},
      // ... nor does any training (MAC's validation answers from banks of its own).
      {"memory_autocast_train", "train configs/mac/tiny_gpt2.yaml memory.bf16_autocast=true",
       {"override 'memory.bf16_autocast=true': memory.bf16_autocast: set, but `amem train` does not read it",
        "`amem memory build`"}},
      {"memory_batch_size_qa_tune", "qa-tune configs/qa_tune/tiny_squad.yaml memory.batch_size=16",
       {"override 'memory.batch_size=16': memory.batch_size: set, but `amem qa-tune` does not read it"}},
      // 2. A light-tune for an adapter that does not light-tune.
      {"light_tune_none", "eval configs/eval/squad_none.yaml adapt.light_tune_steps=2 "
                          "data.train_path=data/squad-sample/dev-v1.1-superbowl50.json",
       {"override 'adapt.light_tune_steps=2': adapt.light_tune_steps: 2, but eval.adapter 'none'",
        "does not light-tune"}},
      {"light_tune_mac", "eval configs/eval/squad_mac.yaml adapt.light_tune_steps=1",
       {"override 'adapt.light_tune_steps=1': adapt.light_tune_steps: 1, but eval.adapter 'mac'"}},
      // 3. `memory build` exists to save its bank.
      {"build_without_save", "memory build configs/eval/squad_mac.yaml memory.save=false",
       {"override 'memory.save=false': memory.save: false, but `amem memory build` exists to save the bank"}},
      {"build_eval_batching", "memory build configs/eval/squad_mac.yaml memory.eval_batching=padded",
       {"override 'memory.eval_batching=padded': memory.eval_batching: padded, but `amem memory build` pads its batches"}},
      // 4. An answer length that leaves no room for a question is the config's mistake.
      {"max_new_tokens_gpt2", "eval configs/eval/squad_none.yaml model.path=tests/data/models/tiny-gpt2 "
                              "eval.max_new_tokens=100",
       {"override 'eval.max_new_tokens=100': eval.max_new_tokens: 100 leaves no room for a question",
        "tests/data/models/tiny-gpt2 (64 tokens); at most 62"}},
      {"max_new_tokens_mac", "eval configs/eval/streamingqa_mac.yaml eval.max_new_tokens=63",
       {"override 'eval.max_new_tokens=63': eval.max_new_tokens: 63 leaves no room"}},
      // 5. CMT's switches and MAC's aggregator with an adapter that is not MAC; distractor keys
      //    without fractions.
      {"cmt_selector_none", "eval configs/eval/squad_none.yaml cmt.selector=top_k",
       {"override 'cmt.selector=top_k': cmt.selector: set, but eval.adapter 'none'", "read by eval.adapter: mac only"}},
      {"cmt_at_inference_uniform", "eval configs/eval/squad_uniform.yaml cmt.memory_aware.at_inference=true",
       {"override 'cmt.memory_aware.at_inference=true': cmt.memory_aware.at_inference: set, but eval.adapter 'uniform'"}},
      {"cmt_terms_gold", "eval configs/eval/squad_mac.yaml eval.adapter=gold_document cmt.auxiliary_terms=[self_matching]",
       {"cmt.auxiliary_terms: set, but eval.adapter 'gold_document'"}},
      {"aggregator_none", "eval configs/eval/squad_none.yaml mac.aggregator=hierarchical2",
       {"override 'mac.aggregator=hierarchical2': mac.aggregator: set, but eval.adapter 'none'"}},
      {"networks_uniform", "eval configs/eval/squad_uniform.yaml mac.networks=tests/data/models/tiny-t5",
       {"override 'mac.networks=tests/data/models/tiny-t5': mac.networks: set, but eval.adapter 'uniform'"}},
      {"cmt_selector_camels_training", "train configs/camels/tiny_squad.yaml cmt.selector=top_k",
       {"override 'cmt.selector=top_k': cmt.selector: set, but train.method 'camels'", "read by train.method: mac only"}},
      {"checkpointing_camels_training", "train configs/camels/tiny_squad.yaml mac.activation_checkpointing=amortizer_encoder",
       {"override 'mac.activation_checkpointing=amortizer_encoder': mac.activation_checkpointing: set, but train.method "
        "'camels'"}},
      {"checkpointing_qa_tune", "qa-tune configs/qa_tune/tiny_squad.yaml mac.activation_checkpointing=amortizer_encoder",
       {"override 'mac.activation_checkpointing=amortizer_encoder': mac.activation_checkpointing: set, but "
        "`amem qa-tune` is not MAC"}},
      {"checkpointing_pretrain", "pretrain configs/pretrain/tiny_gpt2.yaml mac.activation_checkpointing=amortizer_encoder",
       {"mac.activation_checkpointing: set, but `amem pretrain` is not MAC"}},
      {"metrics_every_camels_training", "train configs/camels/tiny_squad.yaml train.metrics_every=5",
       {"override 'train.metrics_every=5': train.metrics_every: 5, but train.method 'camels'",
        "read by train.method: mac only", "leave it at 1"}},
      {"metrics_every_qa_tune", "qa-tune configs/qa_tune/tiny_squad.yaml train.metrics_every=2",
       {"override 'train.metrics_every=2': train.metrics_every: 2, but `amem qa-tune`"}},
      {"distractor_path_alone", "eval configs/eval/squad_none.yaml eval.distractors.path=data/streamingqa-sample/train.csv",
       {"override 'eval.distractors.path=data/streamingqa-sample/train.csv': eval.distractors.path: set, but "
        "eval.distractors.fractions is null"}},
      // 6. train.* given to an eval, which trains nothing (its fine-tuning reads adapt.*).
      {"train_lr_eval", "eval configs/eval/squad_uniform.yaml train.lr=0.5",
       {"override 'train.lr=0.5': train.lr: set, but `amem eval` trains nothing and does not read train.*",
        "adapt.lr"}},
      {"train_lr_memory_build", "memory build configs/eval/squad_mac.yaml train.lr=1",
       {"override 'train.lr=1': train.lr: set, but `amem memory build` trains nothing", "memory.*"}},
      // 7. An undeclared key is unknown, with or without `+`; no `+` hint that would fail too.
      {"typo", "eval configs/eval/squad_none.yaml run.sed=3",
       {"override 'run.sed=3': run.sed: unknown key (run has: ", "did you mean run.seed?"}, "write +"},
      {"typo_plus", "eval configs/eval/squad_none.yaml +run.sed=3",
       {"override '+run.sed=3': run.sed: unknown key (run has: ", "did you mean run.seed?"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto out = amem::testing::fresh_dir("malformed_ignored_keys_" + c.name) / "runs";
    const auto r = run_amem(c.arguments + " run.output_dir=" + out.string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    const auto line = amem::testing::error_line(r);
    for (const auto& mention : c.mentions) EXPECT_NE(line.find(mention), std::string::npos) << mention << "\n" << r.output;
    if (!c.absent.empty()) EXPECT_EQ(r.output.find(c.absent), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out)) << "a refused config must leave no run folder";
  }
}

// The same keys at their defaults, or for the adapter that reads them, are accepted: the base
// configs carry adapt.light_tune_steps: 0 and memory.*'s defaults for every adapter.
TEST(MalformedIgnoredKeys, DefaultsAndKeysTheAdapterReadsAreAccepted) {
  const auto out = amem::testing::fresh_dir("malformed_ignored_keys_defaults") / "runs";
  const auto r = run_amem("eval configs/eval/squad_none.yaml adapt.light_tune_steps=0 memory.load=null memory.batch_size=8 "
                          "memory.save=true run.output_dir=" + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// 7. `amem --help` lists what `amem train` accepts: every method of its table (the schema's
// choices for train.method, which `amem train --help` and `amem config keys` list too).
TEST(MalformedIgnoredKeys, TopLevelHelpListsEveryTrainMethod) {
  const auto r = run_amem("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const size_t at = r.output.find("\n  train");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string line = r.output.substr(at + 1, r.output.find('\n', at + 1) - at - 1);
  for (const auto& method : amem::methods::training_methods())
    EXPECT_NE(line.find(method), std::string::npos) << method << " missing from: " << line;
  const auto train = run_amem("train --help");
  for (const auto& method : amem::methods::training_methods())
    EXPECT_NE(train.output.find(method), std::string::npos) << method << "\n" << train.output;
}

}  // namespace
