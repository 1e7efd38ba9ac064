// End to end: `amem eval` with the retention and distractor options (eval/stream_protocols.h) on
// the samples, and `amem report` drawing their curves.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::only_run;
using amem::testing::run_amem;

namespace {

const std::string kProtocols =
    " eval.retention.every=1 eval.retention.first_documents=2 eval.distractors.fractions=[0,0.5,1.0]"
    " eval.distractors.path=data/streamingqa-sample/train.csv";

nlohmann::json results_of(const std::filesystem::path& out) {
  return nlohmann::json::parse(amem::testing::read_file(only_run(out) / "results.json"));
}

}  // namespace

TEST(EvalProtocols, MacWritesItsRetentionAndDistractorCurvesAndFractionZeroIsThePlainRun) {
  const auto out = amem::testing::fresh_dir("eval_protocols_mac");
  const auto r = run_amem("eval configs/eval/streamingqa_mac.yaml run.output_dir=" + out.string() + kProtocols);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("distractors 0.5 (2 documents): EM "), std::string::npos) << r.output;
  const auto results = results_of(out);
  // 4 documents; the first 2 re-asked after 2, 3 and (the final answers) 4 documents.
  const auto& retention = results["retention"];
  EXPECT_EQ(retention["first_documents"], 2);
  EXPECT_EQ(retention["every"], 1);
  ASSERT_EQ(retention["points"].size(), 3u);
  EXPECT_EQ(retention["points"][0]["documents_seen"], 2);
  EXPECT_EQ(retention["points"][2]["documents_seen"], 4);
  EXPECT_EQ(retention["points"][2]["after_finish_stream"], true);
  for (const char* score : {"exact_match", "f1", "reference_exact_match", "reference_f1"})
    EXPECT_TRUE(retention["points"][1][score].is_number()) << score;
  const auto& distractors = results["distractors"];
  EXPECT_EQ(distractors["source"], "data/streamingqa-sample/train.csv");
  EXPECT_EQ(distractors["pool_documents"], 5);
  ASSERT_EQ(distractors["points"].size(), 3u);
  EXPECT_EQ(distractors["points"][1]["distractor_documents"], 2);
  EXPECT_EQ(distractors["points"][2]["distractor_documents"], 4);
  // Fraction 0 is a fresh adapter on the plain stream: the run's own scores.
  for (const char* score : {"exact_match", "f1", "reference_exact_match", "reference_f1"})
    EXPECT_EQ(distractors["points"][0][score], results[score]) << score;
  // The bank saved is the plain stream's, not a distractor run's.
  EXPECT_EQ(results["memory_bank"]["documents"], 4);

  // The report reads both curves back (summary.json) and, with PLplot, draws them.
  const auto report = amem::testing::fresh_dir("eval_protocols_report") / "report";
  const auto rep = run_amem("report " + out.string() + " --out " + report.string());
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  const auto summary = nlohmann::json::parse(amem::testing::read_file(report / "summary.json"));
  const auto& curves = summary["rows"][0]["curves"];
  ASSERT_EQ(curves["retention.f1"].size(), 3u);
  EXPECT_EQ(curves["retention.f1"][1]["x"], 3.0);
  EXPECT_EQ(curves["retention.f1"][1]["mean"], retention["points"][1]["f1"]);
  ASSERT_EQ(curves["distractors.exact_match"].size(), 3u);
  EXPECT_EQ(curves["distractors.exact_match"][2]["x"], 1.0);
  EXPECT_EQ(curves["distractors.reference_f1"][2]["mean"], distractors["points"][2]["reference_f1"]);
  if (rep.output.find("plots not drawn") == std::string::npos) {
    EXPECT_TRUE(std::filesystem::exists(report / "retention.svg")) << rep.output;
    EXPECT_TRUE(std::filesystem::exists(report / "distractors.svg")) << rep.output;
  }
}

TEST(EvalProtocols, FineTuningAnswersMidStreamFromItsCurrentWeights) {
  const auto out = amem::testing::fresh_dir("eval_protocols_uniform");
  const auto r = run_amem("eval configs/eval/streamingqa_uniform.yaml eval.retention.every=2 "
                          "eval.retention.first_documents=1 run.output_dir=" + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto results = results_of(out);
  ASSERT_EQ(results["retention"]["points"].size(), 2u);  // after 2, then the final answers after 4
  EXPECT_EQ(results["retention"]["points"][0]["documents_seen"], 2);
  EXPECT_EQ(results["retention"]["points"][0]["after_finish_stream"], false);
  EXPECT_FALSE(results.contains("distractors"));
  // Without the options results.json has neither entry (a report compares old and new runs).
  const auto plain_out = amem::testing::fresh_dir("eval_protocols_plain");
  ASSERT_EQ(run_amem("eval configs/eval/streamingqa_none.yaml run.output_dir=" + plain_out.string()).exit_code, 0);
  const auto plain = results_of(plain_out);
  EXPECT_FALSE(plain.contains("retention"));
  EXPECT_FALSE(plain.contains("distractors"));
}

TEST(EvalProtocols, MistakesAreOneLineConfigErrorsAndLeaveNoRunFolder) {
  const auto out = amem::testing::fresh_dir("eval_protocols_errors");
  const std::string base = "eval configs/eval/streamingqa_none.yaml run.output_dir=" + out.string();
  const auto too_many = run_amem(base + " eval.distractors.fractions=[0.5,1.5] eval.distractors.path=data/streamingqa-sample/train.csv");
  EXPECT_EQ(too_many.exit_code, 2) << too_many.output;
  EXPECT_EQ(amem::testing::error_line(too_many),
            "amem: error: override 'eval.distractors.fractions=[0.5,1.5]': eval.distractors.fractions: fraction "
            "1.5 needs 6 distractor documents, but data/streamingqa-sample/train.csv has only 5 that are not in "
            "the stream");
  const auto no_path = run_amem(base + " eval.distractors.fractions=[0.5]");
  EXPECT_EQ(no_path.exit_code, 2) << no_path.output;
  EXPECT_NE(amem::testing::error_line(no_path).find("eval.distractors.path: missing"), std::string::npos);
  // A distractor file of another format: the read error says which format key it was read by.
  const auto format = run_amem(base + " eval.distractors.fractions=[0.5] eval.distractors.path=data/streamingqa-sample/"
                                      "train.csv eval.distractors.format=squad");
  EXPECT_EQ(format.exit_code, 1) << format.output;
  EXPECT_EQ(amem::testing::error_line(format),
            "amem: error: data/streamingqa-sample/train.csv: missing required column 'title' in the header (read as "
            "eval.distractors.format: squad)");
  const auto half = run_amem(base + " eval.retention.every=2");
  EXPECT_EQ(half.exit_code, 2) << half.output;
  EXPECT_EQ(amem::testing::error_line(half),
            "amem: error: override 'eval.retention.every=2': eval.retention.every is set, so "
            "eval.retention.first_documents must be too");
  const auto beyond = run_amem(base + " eval.retention.every=2 eval.retention.first_documents=9");
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  EXPECT_EQ(amem::testing::error_line(beyond),
            "amem: error: override 'eval.retention.first_documents=9': eval.retention.first_documents: 9 documents, "
            "but the stream has only 4");
  EXPECT_TRUE(std::filesystem::is_empty(out)) << "a config mistake must not create a run folder";
}
