// The reproduction pipeline's CPU miniature (scripts/repro/pipeline.sh --scale mini): every stage
// with tiny sizes on the sample data, so that the script, the configs in configs/repro and the
// commands they call cannot drift apart. Its numbers mean nothing; what is checked is that
// every row of the table was produced, with its seeds, by the stage that owns it.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/run_amem.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

TEST(ReproPipeline, TheMiniatureProducesEveryRowOfTheTable) {
  // The pipeline reads the shared data folder (../shared/data: the SQuAD sample and the GPT-2 and
  // T5 tokenizers), which CI has and the GPU machine does not.
  if (!fs::exists(fs::path(AMEM_SOURCE_DIR) / ".." / "shared" / "data" / "tokenizers"))
    GTEST_SKIP() << "no ../shared/data beside the source folder";
  const auto root = amem::testing::fresh_dir("repro_mini");
  const std::string command = std::string("cd '") + AMEM_SOURCE_DIR + "' && scripts/repro/pipeline.sh lm meta cmt report" +
                              " --scale mini --root '" + root.string() + "' --amem '" + AMEM_BINARY + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << output;

  // Every evaluation run: runs/eval/<row>-<seed>/<run folder>/results.json.
  std::map<std::string, std::set<int>> seeds_of_row;
  for (const auto& dir : fs::directory_iterator(root / "runs" / "eval")) {
    const std::string name = dir.path().filename().string();
    const auto dash = name.rfind('-');
    for (const auto& run : fs::directory_iterator(dir.path())) {
      const auto results = nlohmann::json::parse(amem::testing::read_file(run.path() / "results.json"));
      EXPECT_GT(results["questions"].get<int>(), 0) << name;
      seeds_of_row[name.substr(0, dash)].insert(std::stoi(name.substr(dash + 1)));
    }
  }
  const std::map<std::string, std::set<int>> expected = {
      {"none", {0}},          {"closed_book", {0}},   {"gold_document", {0}}, {"uniform", {0, 1, 2}},
      {"salient", {0, 1, 2}}, {"camels", {0, 1, 2}},  {"mac", {0, 1, 2}},
      {"cmt", {0, 1, 2}},     {"cmt_memory_aware", {0, 1, 2}}};
  EXPECT_EQ(seeds_of_row, expected) << output;
  // The models the stages hand on: the pre-trained base LM, its QA-tuned form stored in bf16
  // (what the second device call receives), the pre-trained T5.
  for (const char* model : {"gpt2_base", "gpt2_qa", "t5"})
    EXPECT_TRUE(fs::exists(root / "models" / model / "config.json")) << model;
  EXPECT_NE(amem::testing::read_file(root / "models" / "gpt2_qa" / "config.json").find("bfloat16"), std::string::npos);
  // The report names every row.
  const auto table = amem::testing::read_file(root / "report" / "table.md");
  for (const auto& [row, seeds] : expected) EXPECT_NE(table.find(row), std::string::npos) << row << "\n" << table;
}
