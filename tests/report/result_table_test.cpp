// The result table: grouping by config, mean ± sample std over seeds, the text formats.
#include <gtest/gtest.h>

#include "amem/core/error.h"
#include "amem/report/result_table.h"
#include "amem/report/run_folders.h"
#include "amem/report/table_text.h"
#include "report/report_fixture.h"
#include "support/error_of.h"

using amem::testing::FakeEval;
using amem::testing::write_eval_run;
namespace fs = std::filesystem;
namespace report = amem::report;

namespace {

report::ResultTable table_of(const fs::path& dir, const report::TableOptions& options = {}) {
  return report::tabulate(report::read_runs({dir.string()}).evals, options);
}

}  // namespace

// EM 10, 20, 40: mean 70/3 = 23.333; squared deviations 177.78 + 11.11 + 277.78 = 466.67,
// / (3 - 1) = 233.33, sqrt = 15.275. F1 30, 30, 33: mean 31; (1 + 1 + 4) / 2 = 3, sqrt = 1.732.
TEST(ReportTable, MeanAndSampleStandardDeviationOverThreeSeeds) {
  const auto dir = amem::testing::fresh_dir("report_three_seeds");
  const double em[] = {10, 20, 40}, f1[] = {30, 30, 33};
  for (int i = 0; i < 3; ++i) {
    FakeEval e;
    e.run_seed = i + 1, e.data_seed = 10 * i, e.output_dir = "/runs/seed" + std::to_string(i);
    e.em = em[i], e.f1 = f1[i];
    write_eval_run(dir / ("run" + std::to_string(i)), e);
  }
  const auto table = table_of(dir);
  ASSERT_EQ(table.rows.size(), 1u);
  const auto& row = table.rows[0];
  EXPECT_EQ(row.label, "squad_none");
  EXPECT_EQ(row.runs.size(), 3u);
  EXPECT_EQ(row.seeds[2], "data.seed=20 run.seed=3");
  EXPECT_NEAR(*row.cells.at("exact_match").mean, 23.3333333, 1e-6);
  EXPECT_NEAR(*row.cells.at("exact_match").std, 15.2752523, 1e-6);
  EXPECT_NEAR(*row.cells.at("f1").mean, 31.0, 1e-9);
  EXPECT_NEAR(*row.cells.at("f1").std, 1.7320508, 1e-6);
  EXPECT_EQ(*row.cells.at("adapt_seconds_per_document.median").std, 0.0);
  EXPECT_FALSE(row.cells.at("peak_cuda_memory_bytes").mean.has_value());

  // Columns: quality, seconds, bytes; counts (documents, questions) only in summary.json.
  const std::vector<std::string> columns = {"exact_match", "f1", "adapt_seconds_per_document.mean",
                                            "adapt_seconds_per_document.median", "peak_cpu_memory_bytes",
                                            "peak_cuda_memory_bytes"};
  EXPECT_EQ(table.columns, columns);
  const auto markdown = report::to_markdown(table, "run.name");
  EXPECT_NE(markdown.find("| run.name | n | exact_match | f1 | adapt_seconds_per_document.mean | "
                          "adapt_seconds_per_document.median | peak_cpu_memory_MiB | peak_cuda_memory_MiB |\n"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| squad_none | 3 | 23.33 ± 15.28 | 31.00 ± 1.73 | 0.75 ± 0 | 0.5 ± 0 | 2 ± 0 | — |"),
            std::string::npos)
      << markdown;
}

TEST(ReportTable, OneRunShowsTheMeanAloneAndNoStandardDeviation) {
  const auto dir = amem::testing::fresh_dir("report_one_run");
  FakeEval e;
  e.em = 12.5, e.f1 = 20;
  write_eval_run(dir / "a", e);
  const auto table = table_of(dir);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_FALSE(table.rows[0].cells.at("f1").std.has_value());
  EXPECT_NE(report::to_markdown(table, "run.name").find("| squad_none | 1 | 12.50 | 20.00 |"), std::string::npos);
}

TEST(ReportTable, SeedOnlyDifferencesMergeAndOtherDifferencesSplit) {
  const auto dir = amem::testing::fresh_dir("report_grouping");
  FakeEval a;  // the same setting under two seeds and two output folders: one row
  a.name = "squad_uniform", a.adapter = "uniform";
  write_eval_run(dir / "1", a);
  a.run_seed = 2, a.data_seed = 7, a.output_dir = "/elsewhere";
  write_eval_run(dir / "2", a);
  a.lr = "1e-4";  // another learning rate under the same name: its own row, told apart
  write_eval_run(dir / "3", a);
  FakeEval none;  // another method
  write_eval_run(dir / "4", none);
  const auto table = table_of(dir);
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].label, "squad_uniform [adapt.lr=1e-5]");
  EXPECT_EQ(table.rows[0].runs.size(), 2u);
  EXPECT_EQ(table.rows[1].label, "squad_uniform [adapt.lr=1e-4]");
  EXPECT_EQ(table.rows[1].runs.size(), 1u);
  EXPECT_EQ(table.rows[2].label, "squad_none");

  // Labelled by another key: the adapter's name.
  report::TableOptions by_adapter;
  by_adapter.label_key = "eval.adapter";
  const auto relabelled = table_of(dir, by_adapter);
  EXPECT_EQ(relabelled.rows[2].label, "none");
  by_adapter.label_key = "eval.nothing";
  EXPECT_THROW(table_of(dir, by_adapter), amem::ConfigError);
}

TEST(ReportTable, ExtraScoresAreColumnsAfterTheOfficialOnes) {
  const auto dir = amem::testing::fresh_dir("report_extra_scores");
  FakeEval e;
  e.em = 10, e.f1 = 20;
  e.extra_results = "  \"reference\": {\"exact_match\": 11.0, \"f1\": 21.0},\n";
  write_eval_run(dir / "a", e);
  const auto table = table_of(dir);
  ASSERT_GE(table.columns.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(table.columns.begin(), table.columns.begin() + 4),
            (std::vector<std::string>{"exact_match", "f1", "reference.exact_match", "reference.f1"}));
  report::TableOptions chosen;
  chosen.metrics = {"reference.f1", "questions"};
  EXPECT_EQ(table_of(dir, chosen).columns, chosen.metrics);
  chosen.metrics = {"nope"};
  EXPECT_THROW(table_of(dir, chosen), amem::ConfigError);
}

TEST(ReportTable, RunsOfOneRowWithDifferentMetricsAreAnError) {
  const auto dir = amem::testing::fresh_dir("report_metric_sets");
  FakeEval e;
  write_eval_run(dir / "a", e);
  e.run_seed = 2;
  e.extra_results = "  \"reference_f1\": 3.0,\n";
  write_eval_run(dir / "b", e);
  const auto message = amem::testing::error_of([&] { table_of(dir); });
  EXPECT_EQ(message, (dir / "b" / "results.json").string() + ": 'reference_f1' is not in " +
                         (dir / "a" / "results.json").string() +
                         " of the same row (runs of one row must report the same metrics)");
}

TEST(ReportTable, LatexIsBooktabsWithSpecialCharactersEscaped) {
  const auto dir = amem::testing::fresh_dir("report_latex");
  FakeEval e;
  e.name = "\"mac_v2 & 50% #1 $x {y} ~z ^w \\\\q\"";  // YAML-quoted; the label is its text
  e.em = 1, e.f1 = 2;
  write_eval_run(dir / "a", e);
  e.run_seed = 2, e.em = 3, e.f1 = 4;
  write_eval_run(dir / "b", e);
  const auto latex = report::to_latex(table_of(dir), "run.name");
  EXPECT_NE(latex.find("\\begin{tabular}{lrrrrrrr}\n\\toprule\nrun.name & $n$ & exact\\_match & f1 & "),
            std::string::npos)
      << latex;
  EXPECT_NE(latex.find("mac\\_v2 \\& 50\\% \\#1 \\$x \\{y\\} \\textasciitilde{}z \\textasciicircum{}w "
                       "\\textbackslash{}q & 2 & 2.00 $\\pm$ 1.41 & 3.00 $\\pm$ 1.41 & "),
            std::string::npos)
      << latex;
  EXPECT_NE(latex.find(" & --- \\\\\n\\bottomrule\n\\end{tabular}\n"), std::string::npos) << latex;
}

TEST(ReportTable, CsvHoldsUnroundedMeansAndStdsWithLabelsQuoted) {
  // EM 1 and 3: mean 2, sample std sqrt(2) = 1.4142135623730951; F1 2 and 4: mean 3, same std;
  // adapt seconds (FakeEval) the same in both runs: std 0; CUDA memory null: empty fields.
  const auto dir = amem::testing::fresh_dir("report_csv");
  FakeEval e;
  e.name = "\"mac, \\\"v2\\\"\"";  // YAML-quoted: the label is mac, "v2"
  e.em = 1, e.f1 = 2;
  write_eval_run(dir / "a", e);
  e.run_seed = 2, e.em = 3, e.f1 = 4;
  write_eval_run(dir / "b", e);
  const auto csv = report::to_csv(table_of(dir), "run.name");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "run.name,n,exact_match.mean,exact_match.std,f1.mean,f1.std,adapt_seconds_per_document.mean.mean,"
            "adapt_seconds_per_document.mean.std,adapt_seconds_per_document.median.mean,"
            "adapt_seconds_per_document.median.std,peak_cpu_memory_bytes.mean,peak_cpu_memory_bytes.std,"
            "peak_cuda_memory_bytes.mean,peak_cuda_memory_bytes.std");
  EXPECT_NE(csv.find("\n\"mac, \"\"v2\"\"\",2,2,1.4142135623730951,3,1.4142135623730951,0.75,0,0.5,0,"), std::string::npos)
      << csv;
  EXPECT_EQ(csv.substr(csv.size() - 3), ",,\n") << csv;
}
