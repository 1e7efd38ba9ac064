// End to end: `amem sweep` over the tiny eval configs: the cells' run folders, the table, resuming,
// a failed cell, and the grid mistakes that stop it before any cell runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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
  std::filesystem::remove_all(run.parent_path());
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
                            "  missing_data: {eval.adapter: none, data.test_path: no/such.csv}\n"
                            "  mac: {eval.adapter: mac}\n");
  const auto dir = base / "sweep";
  const auto r = run_amem("sweep configs/eval/streamingqa_mac.yaml --grid-file " + grid.string() + " --out " + dir.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("amem sweep: cell missing_data failed: "), std::string::npos) << r.output;
  const auto status = nlohmann::json::parse(read_file(dir / "sweep.json"));
  ASSERT_EQ(status["cells"].size(), 3u);
  EXPECT_EQ(status["cells"][0]["status"], "finished");
  EXPECT_EQ(status["cells"][1]["status"], "failed");
  EXPECT_NE(status["cells"][1]["error"].get<std::string>().find("data.test_path"), std::string::npos);
  EXPECT_EQ(status["cells"][2]["status"], "finished");
  const auto table = read_file(dir / "report" / "table.md");
  EXPECT_NE(table.find("| frozen | 1 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| mac | 1 |"), std::string::npos) << table;
  EXPECT_EQ(table.find("missing_data"), std::string::npos) << table;
  // --fail-fast stops at the failure: the cell after it does not run.
  const auto fast_dir = base / "fast";
  const auto fast = run_amem("sweep configs/eval/streamingqa_mac.yaml --fail-fast --grid-file " + grid.string() +
                             " --out " + fast_dir.string());
  EXPECT_EQ(fast.exit_code, 1) << fast.output;
  EXPECT_EQ(nlohmann::json::parse(read_file(fast_dir / "sweep.json"))["cells"].size(), 2u);
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
  expect_error("--grid eval.batch_size=1,1", "sweep: --grid 'eval.batch_size=1,1': the value '1' is given twice");
  expect_error("--grid eval.batch_size=1 --grid eval.batch_size=2",
               "sweep: --grid 'eval.batch_size=2': eval.batch_size is on two axes of the grid");
  expect_error("", "sweep: no grid: give --grid KEY=V1,V2, --grid-file FILE or --seeds");
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
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": axes: unknown entry (expected cells or grid)");
  amem::testing::write_file(grid, "grid:\n  eval.batch_size: 4\n");
  expect_error("--grid-file " + grid.string(), "sweep: " + grid.string() + ": grid.eval.batch_size: expected a non-empty list of values");
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
}
