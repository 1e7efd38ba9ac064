// End to end: `amem eval` on the sample configs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "amem/config/amem_schema.h"
#include "amem/config/schema.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::run_amem;

TEST(EvalCommand, UniformFineTuningOnTheStreamingQaSampleWritesItsResults) {
  const auto out = amem::testing::fresh_dir("eval_command");
  const auto r = run_amem("eval configs/eval/streamingqa_uniform.yaml run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("uniform: EM "), std::string::npos) << r.output;
  const auto run = only_run(out);
  const auto results = nlohmann::json::parse(amem::testing::read_file(run / "results.json"));
  EXPECT_EQ(results["adapter"], "uniform");
  EXPECT_GT(results["documents"].get<int>(), 0);
  EXPECT_GE(results["questions"].get<int>(), results["documents"].get<int>());
  std::istringstream lines(amem::testing::read_file(run / "predictions.jsonl"));
  int count = 0;
  for (std::string line; std::getline(lines, line);) ++count;
  EXPECT_EQ(count, results["questions"].get<int>());
  EXPECT_TRUE(std::filesystem::exists(run / "config.yaml"));
  EXPECT_TRUE(results["memory_bank"].is_null()) << "fine-tuning keeps no per-document memory";
}

TEST(EvalCommand, ConfigMistakesExitWithTwoAndNameTheKey) {
  const auto out = amem::testing::fresh_dir("eval_command_errors");
  const auto adapter = run_amem("eval configs/eval/squad_none.yaml eval.adapter=bogus run.output_dir=" + out.string());
  EXPECT_EQ(adapter.exit_code, 2) << adapter.output;
  EXPECT_NE(adapter.output.find("eval.adapter"), std::string::npos) << adapter.output;
  const auto model = run_amem("eval configs/eval/squad_none.yaml ~model.path run.output_dir=" + out.string());
  EXPECT_EQ(model.exit_code, 2) << model.output;
  EXPECT_NE(model.output.find("model.path: missing"), std::string::npos) << model.output;
  const auto data = run_amem("eval configs/eval/squad_none.yaml ~data.test_path run.output_dir=" + out.string());
  EXPECT_EQ(data.exit_code, 2) << data.output;
  EXPECT_NE(data.output.find("data.test_path: missing"), std::string::npos) << data.output;
  // Beams that do not split into the groups; a bank granularity for an adapter without a bank.
  const auto groups = run_amem("eval configs/eval/squad_none.yaml eval.decoding=group_beam eval.num_beams=12 "
                               "eval.num_beam_groups=5 run.output_dir=" + out.string());
  EXPECT_EQ(groups.exit_code, 2) << groups.output;
  EXPECT_NE(groups.output.find("eval.num_beam_groups: 5 does not divide eval.num_beams 12"), std::string::npos)
      << groups.output;
  const auto bank = run_amem("eval configs/eval/squad_none.yaml eval.bank_entries=per_row run.output_dir=" + out.string());
  EXPECT_EQ(bank.exit_code, 2) << bank.output;
  EXPECT_NE(bank.output.find("eval.bank_entries: 'per_row'"), std::string::npos) << bank.output;
  EXPECT_TRUE(std::filesystem::is_empty(out)) << "a config mistake must not create a run folder";
  EXPECT_EQ(run_amem("eval").exit_code, 2);
}

TEST(EvalCommand, GreedyDecodingDoesNotCheckTheBeamKeys) {
  // The beam keys are group_beam's; under greedy decoding beams that do not split into groups
  // are not a mistake (they are never read).
  const auto out = amem::testing::fresh_dir("eval_command_greedy_beams");
  const auto r = run_amem("eval configs/eval/squad_none.yaml eval.num_beams=12 eval.num_beam_groups=5 "
                          "data.downsample_to=2 run.output_dir=" + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(EvalCommand, AMissingDataFileExitsWithTwoAndNamesTheKey) {
  const auto out = amem::testing::fresh_dir("eval_command_missing_data");
  const auto r = run_amem("eval configs/eval/streamingqa_none.yaml data.test_path=no/such.csv run.output_dir=" + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("override 'data.test_path=no/such.csv': data.test_path: 'no/such.csv': no such file"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::is_empty(out));
}

TEST(EvalCommand, TheQaLightTuneReadsTrainingPairsFromTheTrainingFile) {
  const auto out = amem::testing::fresh_dir("eval_command_light_tune");
  const std::string light_tune = "eval configs/eval/squad_uniform.yaml adapt.light_tune_steps=2 run.output_dir=" + out.string();
  const auto missing = run_amem(light_tune);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("data.train_path: missing"), std::string::npos) << missing.output;
  const auto r = run_amem(light_tune + " +data.train_path=data/squad-sample/dev-v1.1-superbowl50.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("uniform: EM "), std::string::npos) << r.output;
}

TEST(EvalCommand, MacAmortizesTheStreamIntoItsMemoryAndAnswersEveryQuestion) {
  const auto out = amem::testing::fresh_dir("eval_command_mac");
  const auto r = run_amem("eval configs/eval/streamingqa_mac.yaml run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mac: EM "), std::string::npos) << r.output;
  const auto results = nlohmann::json::parse(amem::testing::read_file(only_run(out) / "results.json"));
  EXPECT_EQ(results["adapter"], "mac");
  EXPECT_GT(results["questions"].get<int>(), 0);
  EXPECT_EQ(results["memory_bank"]["documents"], results["documents"]);
  EXPECT_TRUE(std::filesystem::exists(only_run(out) / "memory_bank.safetensors"));
}

TEST(EvalCommand, TestRowsSelectQuestionRowsAndTheGoldDocumentAdapterAnswersThem) {
  // The sample's first 7 question rows in file order (the Super Bowl 50 article's first
  // paragraphs); the gold-document calibration row answers them.
  const auto out = amem::testing::fresh_dir("eval_command_rows");
  const auto r = run_amem("eval configs/eval/squad_none.yaml eval.adapter=gold_document data.test_rows=[0,7] "
                          "data.downsample_to=-1 run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto results = nlohmann::json::parse(amem::testing::read_file(only_run(out) / "results.json"));
  EXPECT_EQ(results["adapter"], "gold_document");
  EXPECT_EQ(results["questions"].get<int>(), 7);
  // The first paragraph (366 tiny-LLaMA tokens) outruns the 128-token context: said, not hidden.
  EXPECT_NE(r.output.find("prompts were longer than the model's context and lost their document's first tokens"),
            std::string::npos) << r.output;

  for (const std::string bad : {"data.test_rows=[5,5]", "data.test_rows=[3]", "data.test_rows=[-1,4]",
                                "data.test_rows=[800,5000]"}) {
    const auto e = run_amem("eval configs/eval/squad_none.yaml " + bad + " run.output_dir=" + out.string() + "/bad");
    EXPECT_EQ(e.exit_code, 2) << bad << ": " << e.output;
    EXPECT_NE(e.output.find("data.test_rows"), std::string::npos) << bad << ": " << e.output;
    EXPECT_FALSE(std::filesystem::exists(out / "bad")) << bad;
  }
}

TEST(EvalCommand, MacUnderTheReferenceProtocolWritesBothMetricSets) {
  const auto out = amem::testing::fresh_dir("eval_command_mac_reference");
  // The file's first 5 rows (batch 1 answers slowly): the first Super Bowl 50 paragraph's questions.
  const auto r = run_amem("eval configs/eval/squad_mac_reference.yaml data.downsample_to=5 data.downsample_unit=rows "
                          "run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(reference scoring: EM "), std::string::npos) << r.output;
  const auto run = only_run(out);
  const auto config = amem::testing::read_file(run / "config.yaml");
  for (const std::string setting : {"prediction_text: reference", "prompt_max_tokens: 256", "max_new_tokens: 16",
                                    "batch_size: 1", "shuffle: false", "decoding: group_beam", "num_beams: 12",
                                    "bank_entries: per_row"})
    EXPECT_NE(config.find(setting), std::string::npos) << setting << "\n" << config;

  // Per question both sets, and the reference's single gold; the means are results.json's.
  std::istringstream lines(amem::testing::read_file(run / "predictions.jsonl"));
  double em = 0, f1 = 0, reference_em = 0, reference_f1 = 0;
  int questions = 0;
  for (std::string line; std::getline(lines, line); ++questions) {
    const auto record = nlohmann::json::parse(line);
    for (const char* key : {"prediction", "golds", "reference_gold"}) EXPECT_TRUE(record.contains(key)) << line;
    em += record.at("em").get<double>();
    f1 += record.at("f1").get<double>();
    reference_em += record.at("reference_em").get<double>();
    reference_f1 += record.at("reference_f1").get<double>();
  }
  const auto results = nlohmann::json::parse(amem::testing::read_file(run / "results.json"));
  ASSERT_EQ(questions, 5);
  EXPECT_EQ(results["questions"], 5);
  EXPECT_EQ(results["documents"], 1);
  EXPECT_EQ(results["memory_bank"]["documents"], 5);  // one entry per question row
  EXPECT_DOUBLE_EQ(results["exact_match"].get<double>(), em / questions);
  EXPECT_DOUBLE_EQ(results["f1"].get<double>(), f1 / questions);
  EXPECT_DOUBLE_EQ(results["reference_exact_match"].get<double>(), reference_em / questions);
  EXPECT_DOUBLE_EQ(results["reference_f1"].get<double>(), reference_f1 / questions);
}

// The help lists every adapter the schema accepts (the list is derived from it) and names both
// decodings.
TEST(EvalCommand, HelpNamesEveryAdapterAndTheDecodings) {
  const auto r = run_amem("eval --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto at = r.output.find("eval.adapter names\n(");
  ASSERT_NE(at, std::string::npos) << r.output;
  const auto list = r.output.substr(at, r.output.find(')', at) - at);
  for (const auto& adapter : amem::config::amem_schema().find("eval.adapter")->choices)
    EXPECT_NE(list.find(adapter), std::string::npos) << adapter << " missing from: " << list;
  EXPECT_NE(r.output.find("eval.decoding: greedy, or\ngroup_beam"), std::string::npos) << r.output;
}
