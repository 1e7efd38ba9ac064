// End to end: `amem sweep` over the tiny eval configs: the cells' run folders, the table, resuming,
// a failed cell, and the grid mistakes that stop it before any cell runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "amem/io/remove_tree.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::read_file;
using amem::testing::run_amem;

namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(SweepCommand, RunsEveryCellWritesOneTableAndResumesSkippingFinishedCells) {
  const auto dir = amem::testing::fresh_dir("sweep_command") / "sweep";
  const std::string command = "sweep configs/eval/streamingqa_mac.yaml --grid memory.window=null,2 --seeds 0,1 --out " +
                              dir.string();
  const auto r = run_amem(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_of(r.output, ": running"), 4u) << r.output;
  // Two rows (the window), each the mean over two seeds.
  const auto table = read_file(dir / "report" / "table.md");
  EXPECT_NE(table.find("| memory.window=null | 2 |"), std::string::npos) << table;
  EXPECT_GT(table.find("| memory.window=2 | 2 |"), table.find("| memory.window=null | 2 |")) << "rows in grid order";
  const auto csv = read_file(dir / "report" / "table.csv");
  EXPECT_EQ(csv.rfind("run.name,n,exact_match.mean,exact_match.std,f1.mean,f1.std,", 0), 0u) << csv;
  EXPECT_EQ(count_of(csv, "\n"), 3u) << csv;
  const auto status = nlohmann::json::parse(read_file(dir / "sweep.json"));
  ASSERT_EQ(status["cells"].size(), 4u);
  EXPECT_EQ(status["cells"][1]["overrides"], nlohmann::json({"memory.window=null", "run.seed=1"}));
  for (const auto& cell : status["cells"]) EXPECT_EQ(cell["status"], "finished") << cell;
  // Each cell is a normal run folder with its resolved config.
  const std::filesystem::path run = status["cells"][3]["run"].get<std::string>();
  const auto config = read_file(run / "config.yaml");
  EXPECT_NE(config.find("window: 2"), std::string::npos) << config;
  EXPECT_NE(config.find("seed: 1"), std::string::npos) << config;

  // Again: nothing runs. With one cell's folder gone, that cell alone runs.
  const auto again = run_amem(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(count_of(again.output, ": running"), 0u) << again.output;
  EXPECT_EQ(count_of(again.output, "skipped"), 4u) << again.output;
  amem::io::remove_tree(run.parent_path().string());
  const auto resumed = run_amem(command);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(count_of(resumed.output, ": running"), 1u) << resumed.output;
  EXPECT_NE(resumed.output.find("memory.window=2,run.seed=1: running"), std::string::npos) << resumed.output;
  // The same folder under another config: its finished cells are not this command's results.
  const auto other = run_amem(command + " eval.max_new_tokens=8");
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_NE(amem::testing::error_line(other).find(" has a finished run with another config ("), std::string::npos)
      << other.output;
}

TEST(SweepCommand, NamedCellsFromAGridFileAndAFailedCellThatDoesNotStopTheOthers) {
  const auto base = amem::testing::fresh_dir("sweep_command_file");
  const auto grid = base / "grid.yaml";
  amem::testing::write_file(grid,
                            "cells:\n"
                            "  frozen: {eval.adapter: none}\n"
                            "  bad_bank: {eval.adapter: mac, memory.load: tests/data/models/tiny-t5/model.safetensors}\n"
                            "  mac: {eval.adapter: mac}\n");
  const auto dir = base / "sweep";
  const auto r = run_amem("sweep configs/eval/streamingqa_mac.yaml --grid-file " + grid.string() + " --out " + dir.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("amem sweep: cell bad_bank failed: "), std::string::npos) << r.output;
  const auto status = nlohmann::json::parse(read_file(dir / "sweep.json"));
  ASSERT_EQ(status["cells"].size(), 3u);
  EXPECT_EQ(status["cells"][0]["status"], "finished");
  EXPECT_EQ(status["cells"][1]["status"], "failed");
  EXPECT_NE(status["cells"][1]["error"].get<std::string>().find("tiny-t5/model.safetensors"), std::string::npos)
      << status["cells"][1]["error"];
  EXPECT_EQ(status["cells"][2]["status"], "finished");
  const auto table = read_file(dir / "report" / "table.md");
  EXPECT_NE(table.find("| frozen | 1 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| mac | 1 |"), std::string::npos) << table;
  EXPECT_EQ(table.find("bad_bank"), std::string::npos) << table;
  // --fail-fast stops at the failure: the cell after it does not run, and sweep.json (written
  // before the first run, as a killed sweep leaves it) lists it as pending.
  const auto fast_dir = base / "fast";
  const auto fast = run_amem("sweep configs/eval/streamingqa_mac.yaml --fail-fast --grid-file " + grid.string() +
                             " --out " + fast_dir.string());
  EXPECT_EQ(fast.exit_code, 1) << fast.output;
  const auto fast_status = nlohmann::json::parse(read_file(fast_dir / "sweep.json"));
  ASSERT_EQ(fast_status["cells"].size(), 3u);
  EXPECT_EQ(fast_status["cells"][1]["status"], "failed");
  EXPECT_EQ(fast_status["cells"][2]["status"], "pending");
  EXPECT_EQ(count_of(fast.output, ": running"), 2u) << fast.output;
}

TEST(SweepCommand, GridMistakesAreOneLineErrorsWithExitTwoBeforeAnyCellRuns) {
  const auto base = amem::testing::fresh_dir("sweep_command_errors");
  const auto dir = base / "sweep";
  const std::string sweep = "sweep configs/eval/streamingqa_none.yaml --out " + dir.string() + " ";
  const auto expect_error = [&](const std::string& args, const std::string& line) {
    const auto r = run_amem(sweep + args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_EQ(amem::testing::error_line(r), "amem: error: " + line) << args;
  };
  expect_error("--grid eval.batch_size", "sweep: --grid 'eval.batch_size': expected KEY=V1,V2,... (e.g. memory.window=2,4)");
  expect_error("--grid eval.batch_size=1,,2", "sweep: --grid 'eval.batch_size=1,,2': an empty value (write '' for the empty string)");
  // Without a train: section nothing trains, and the eval reads no train.* key.
  expect_error("--grid train.steps=1,2", "override 'train.steps=1': train.steps: set, but `amem eval` trains nothing and "
               "does not read train.* (its fine-tuning adapters read adapt.*: adapt.lr, adapt.steps_per_document, ...); "
               "remove it");
  expect_error("--grid eval.batch_size=1,1", "sweep: --grid 'eval.batch_size=1,1': the value '1' is given twice");
  expect_error("--grid eval.batch_size=1 --grid eval.batch_size=2",
               "sweep: --grid 'eval.batch_size=2': eval.batch_size is on two axes of the grid");
  expect_error("", "sweep: no grid: give --grid KEY=V1,V2, --grid-file FILE or --seeds");
  // run.* (but run.seed) would merge cells: the sweep names each cell's run, the table ignores run.*.
  expect_error("--grid run.name=a,b",
               "sweep: --grid 'run.name=a,b': an axis on run.name, but the sweep sets run.name and run.output_dir per "
               "cell and its table does not tell cells apart by run.* (only run.seed may vary, as --seeds)");
  expect_error("--grid run.log_level=info,debug",
               "sweep: --grid 'run.log_level=info,debug': an axis on run.log_level, but the sweep sets run.name and "
               "run.output_dir per cell and its table does not tell cells apart by run.* (only run.seed may vary, as --seeds)");
  // A value or key the config schema refuses is found before anything runs, with the override named.
  const auto bad_value = run_amem(sweep + "--grid eval.batch_size=4,0");
  EXPECT_EQ(bad_value.exit_code, 2) << bad_value.output;
  EXPECT_NE(amem::testing::error_line(bad_value).find("eval.batch_size"), std::string::npos) << bad_value.output;
  EXPECT_EQ(run_amem(sweep + "--grid eval.no_such_key=1,2").exit_code, 2);
  // --out naming a file: exit 2, the file left as it was.
  amem::testing::write_file(base / "a-file", "keep");
  const auto onto_file = run_amem("sweep configs/eval/streamingqa_none.yaml --out " + (base / "a-file").string() +
                                  " --grid eval.batch_size=1,2");
  EXPECT_EQ(onto_file.exit_code, 2) << onto_file.output;
  EXPECT_EQ(amem::testing::error_line(onto_file), "amem: error: sweep: --out " + (base / "a-file").string() +
                                                      ": exists and is not a folder (give the sweep folder)");
  EXPECT_EQ(read_file(base / "a-file"), "keep");
  const auto grid = base / "grid.yaml";
  amem::testing::write_file(grid, "axes:\n  eval.batch_size: [1, 2]\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": axes: unknown entry (expected cells, grid or train)");
  amem::testing::write_file(grid, "grid:\n  eval.batch_size: 4\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": grid.eval.batch_size: expected a non-empty list of values");
  amem::testing::write_file(grid, "cells:\n  a: [eval.batch_size, 2]\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": cells.a: expected a mapping of config keys "
               "to values, e.g. {cmt.selector: all} ({}: the config as it is), not a list");
  amem::testing::write_file(grid, "cells:\n  a: {run.output_dir: elsewhere}\n");
  expect_error("--grid-file " + grid.string(), "sweep: cell 'a' sets run.output_dir, but the sweep sets run.name and "
               "run.output_dir per cell and its table does not tell cells apart by run.* (only run.seed may vary, as --seeds)");
  amem::testing::write_file(grid, "train:\n  overrides: {train.steps: 1}\ncells:\n  a: {}\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": train: config: missing (the training config "
               "each cell trains with)");
  // What the eval side of a training section reads is checked before any training: a model_key
  // that is no config key, an eval_only section that matches nothing, MAC's networks for an
  // adapter that is not MAC (the sweep's config here is streamingqa_none.yaml).
  const std::string train = "train:\n  config: configs/cmt/tiny_gpt2.yaml\n";
  amem::testing::write_file(grid, train + "  model_key: mac.foo\ncells:\n  a: {}\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": train.model_key: 'mac.foo' is not a config "
               "key (e.g. mac.networks)");
  amem::testing::write_file(grid, train + "  eval_only: [bogus]\ncells:\n  a: {}\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": train.eval_only: 'bogus' is not a config "
               "section (e.g. eval, memory)");
  amem::testing::write_file(grid, train + "  eval_only: [eval, train]\ncells:\n  a: {train.lr: 0.5}\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": train.eval_only: 'train': a cell's train.* "
               "keys are its training's, and an eval reads none, so they would reach neither; leave train out of eval_only");
  amem::testing::write_file(grid, train + "cells:\n  a: {}\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": train.model_key: mac.networks is read by "
               "eval.adapter: mac only, but cell a evaluates with eval.adapter 'none' (configs/eval/streamingqa_none.yaml)");
  // Data and multi-key checks of every cell run before the first cell: a fraction the distractor
  // file cannot fill (in the second cell), a distractor file that is missing.
  const std::string distractors = "eval.distractors.path=data/streamingqa-sample/train.csv ";
  expect_error(distractors + "--grid eval.distractors.fractions=[0.5],[0.5,1.5]",
               "override 'eval.distractors.fractions=[0.5,1.5]': eval.distractors.fractions: fraction 1.5 needs 6 "
               "distractor documents, but data/streamingqa-sample/train.csv has only 5 that are not in the stream");
  const auto no_file = run_amem(sweep + "--grid eval.distractors.fractions=[0],[0.5] eval.distractors.path=no/such.csv");
  EXPECT_EQ(no_file.exit_code, 2) << no_file.output;
  EXPECT_NE(amem::testing::error_line(no_file).find("eval.distractors.path"), std::string::npos) << no_file.output;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a grid mistake must not create the sweep folder";
}

TEST(SweepCommand, TheShippedGridFileListsItsCellsInOrder) {
  const auto dir = amem::testing::fresh_dir("sweep_command_shipped") / "sweep";
  const auto r = run_amem("sweep configs/eval/streamingqa_mac.yaml --grid-file configs/sweeps/mac_window.yaml --seeds 0,1 "
                          "--dry-run --out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_of(r.output, "\n"), 8u) << r.output;
  EXPECT_EQ(r.output.rfind("mac,memory.window=null,run.seed=0\tmac,memory.window=null\t", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("mac_retention,memory.window=2,run.seed=1\tmac_retention,memory.window=2\t"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a dry run writes nothing";
  const auto decoding = run_amem("sweep configs/eval/streamingqa_cmt.yaml --grid-file configs/sweeps/cmt_at_inference.yaml "
                                 "--dry-run --out " + dir.string());
  ASSERT_EQ(decoding.exit_code, 0) << decoding.output;
  EXPECT_EQ(decoding.output, "prefix_only\tprefix_only\t cmt.memory_aware.at_inference=false\n"
                             "memory_aware\tmemory_aware\t cmt.memory_aware.at_inference=true\n");
}

TEST(SweepCommand, TrainingCellsShareEqualTrainingsEvaluateWhatTheyTrainedAndResume) {
  const auto base = amem::testing::fresh_dir("sweep_command_training");
  const auto grid = base / "grid.yaml";
  // Two cells times two answer lengths: eval.* is the eval's alone, so each cell trains once.
  amem::testing::write_file(grid,
                            "train:\n"
                            "  config: configs/cmt/tiny_gpt2.yaml\n"
                            "  overrides: {train.steps: 1, mac.context_windows: []}\n"
                            "  networks: last\n"
                            "cells:\n"
                            "  full: {}\n"
                            "  wo_top_k: {cmt.selector: all}\n"
                            "grid:\n"
                            "  eval.max_new_tokens: [4, 8]\n");
  const auto dir = base / "sweep";
  const std::string command = "sweep configs/eval/streamingqa_cmt.yaml --grid-file " + grid.string() + " --out " + dir.string();
  const auto r = run_amem(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_of(r.output, ": running"), 6u) << r.output;  // 2 trainings, 4 evals
  const auto status = nlohmann::json::parse(read_file(dir / "sweep.json"));
  ASSERT_EQ(status["trainings"].size(), 2u);
  ASSERT_EQ(status["cells"].size(), 4u);
  for (const auto& t : status["trainings"]) EXPECT_EQ(t["status"], "finished") << t;
  EXPECT_EQ(status["cells"][0]["training"], status["cells"][1]["training"]);
  EXPECT_NE(status["cells"][0]["training"], status["cells"][2]["training"]);
  EXPECT_EQ(status["trainings"][1]["overrides"],
            nlohmann::json({"train.steps=1", "mac.context_windows=[]", "cmt.selector=all"}));
  // Each cell evaluated the networks its training wrote; the training ran the cell's switch.
  for (size_t c = 0; c < 4; ++c) {
    const auto& cell = status["cells"][c];
    ASSERT_EQ(cell["status"], "finished") << cell;
    const auto training = status["trainings"][c < 2 ? 0 : 1]["run"].get<std::string>();
    const auto config = read_file(std::filesystem::path(cell["run"].get<std::string>()) / "config.yaml");
    EXPECT_NE(config.find(training + "/last"), std::string::npos) << config;
  }
  const auto trained = read_file(std::filesystem::path(status["trainings"][1]["run"].get<std::string>()) / "config.yaml");
  EXPECT_NE(trained.find("selector: all"), std::string::npos) << trained;
  EXPECT_NE(trained.find("max_new_tokens: 16"), std::string::npos) << "the training keeps its own eval.* (tiny: 16)";
  EXPECT_EQ(status["trainings"][0]["id"], "full");
  EXPECT_EQ(status["trainings"][1]["id"], "wo_top_k");
  const auto table = read_file(dir / "report" / "table.md");
  EXPECT_NE(table.find("| wo_top_k,eval.max_new_tokens=8 | 1 |"), std::string::npos) << table;

  // Again: neither a training nor a cell runs.
  const auto again = run_amem(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(count_of(again.output, ": running"), 0u) << again.output;
}

TEST(SweepCommand, TheTinyCmtAblationTrainsEveryCellAndTabulatesIt) {
  const auto dir = amem::testing::fresh_dir("sweep_command_ablation") / "sweep";
  const auto r = run_amem("sweep configs/eval/streamingqa_cmt.yaml --grid-file configs/sweeps/cmt_ablation_tiny.yaml "
                          "--out " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto status = nlohmann::json::parse(read_file(dir / "sweep.json"));
  EXPECT_EQ(status["trainings"].size(), 5u);
  const auto csv = read_file(dir / "report" / "table.csv");
  size_t previous = 0;
  for (const char* row : {"\nfull,1,", "\nwo_memory_aware,1,", "\nwo_self_matching,1,", "\nwo_top_k,1,", "\nmac,1,"}) {
    const size_t at = csv.find(row);
    EXPECT_NE(at, std::string::npos) << row << "\n" << csv;
    EXPECT_GT(at, previous) << "rows in cell order";
    previous = at;
  }
  // The w/o-self-matching cell trained without the term: its training logged no self_matching.
  const std::filesystem::path trained = status["trainings"][2]["run"].get<std::string>();
  EXPECT_EQ(read_file(trained / "metrics.jsonl").find("self_matching"), std::string::npos);
  const std::filesystem::path full = status["trainings"][0]["run"].get<std::string>();
  EXPECT_NE(read_file(full / "metrics.jsonl").find("self_matching"), std::string::npos);
}
