// `amem report` end to end: run folders in, a report folder out (tables, summary.json, plots),
// and its errors: one line naming the file, exit 2 for usage and 1 for bad files, nothing written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "amem/io/remove_tree.h"
#include "amem/report/plot.h"
#include "report/report_fixture.h"
#include "support/run_amem.h"
#include "support/temp_dir.h"

using amem::testing::error_line;
using amem::testing::FakeEval;
using amem::testing::read_file;
using amem::testing::run_amem;
using amem::testing::write_eval_run;
using amem::testing::write_file;
namespace fs = std::filesystem;

namespace {

// Fills `dir` with two methods (none: 2 seeds, uniform: 1) and one training run, nested as a
// sweep is: dir/evals/<run>, dir/train/<run>.
void write_sweep(const fs::path& dir) {
  FakeEval none;
  none.em = 10, none.f1 = 20;
  write_eval_run(dir / "evals" / "none-1", none);
  none.run_seed = 2, none.em = 14, none.f1 = 26;
  write_eval_run(dir / "evals" / "none-2", none);
  FakeEval uniform;
  uniform.name = "squad_uniform", uniform.adapter = "uniform", uniform.em = 30, uniform.f1 = 40;
  write_eval_run(dir / "evals" / "uniform-1", uniform);
  amem::testing::write_training_run(dir / "train" / "qa_tune-1", "qa_tune");
}

// The first bytes of an image file of `format`.
bool has_image_header(const fs::path& file, amem::report::ImageFormat format) {
  const auto bytes = read_file(file);
  if (format == amem::report::ImageFormat::png) return bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0;
  return bytes.rfind("<?xml", 0) == 0 && bytes.find("<svg") != std::string::npos &&
         bytes.find("</svg>") != std::string::npos;
}

}  // namespace

TEST(ReportCommand, WritesTablesSummaryAndPlotsOfASweep) {
  const auto dir = amem::testing::fresh_dir("report_sweep");
  write_sweep(dir / "runs");
  for (const auto format : {amem::report::ImageFormat::svg, amem::report::ImageFormat::png}) {
    const std::string ext = amem::report::extension(format);
    const auto out = dir / ("report-" + ext);
    const auto r = run_amem("report " + (dir / "runs").string() + " --out " + out.string() + " --format " + ext);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("report: 3 evaluation run(s) in 2 row(s), 1 training run(s)"), std::string::npos)
        << r.output;
    const auto markdown = read_file(out / "table.md");
    EXPECT_NE(markdown.find("| squad_none | 2 | 12.00 ± 2.83 | 23.00 ± 4.24 |"), std::string::npos) << markdown;
    EXPECT_NE(markdown.find("| squad_uniform | 1 | 30.00 | 40.00 |"), std::string::npos) << markdown;
    EXPECT_NE(read_file(out / "table.tex").find("\\toprule"), std::string::npos);

    const auto summary = nlohmann::json::parse(read_file(out / "summary.json"));
    ASSERT_EQ(summary["rows"].size(), 2u);
    EXPECT_EQ(summary["rows"][0]["n"], 2);
    EXPECT_EQ(summary["rows"][0]["metrics"]["questions"]["mean"], 178.0);
    EXPECT_EQ(summary["rows"][0]["metrics"]["f1"]["values"], nlohmann::json({20.0, 26.0}));
    EXPECT_TRUE(summary["rows"][1]["metrics"]["f1"]["std"].is_null());
    EXPECT_EQ(summary["training_runs"][0]["curves"]["loss"]["last"], 6.1);
    EXPECT_EQ(summary["training_runs"][0]["curves"]["val_f1"]["max"], 12.5);

    if (!amem::report::plotting_available()) {
      EXPECT_NE(r.output.find("plots not drawn: this amem was built without PLplot"), std::string::npos);
      continue;
    }
    for (const auto& name : {"bars." + ext, "training-qa_tune-1." + ext}) {
      ASSERT_TRUE(fs::exists(out / name)) << name << "\n" << r.output;
      EXPECT_GT(fs::file_size(out / name), 1000u) << name;
      EXPECT_TRUE(has_image_header(out / name, format)) << name;
    }
  }
}

TEST(ReportCommand, RunsTwiceOverItsOwnReportFolder) {
  const auto dir = amem::testing::fresh_dir("report_again");
  write_sweep(dir / "runs");
  const auto out = dir / "runs" / "report";  // inside the searched folder: holds no run, replaced whole
  ASSERT_EQ(run_amem("report " + (dir / "runs").string() + " --out " + out.string() + " --no-plots").exit_code, 0);
  const auto again = run_amem("report " + (dir / "runs").string() + " --out " + out.string() + " --no-plots");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_FALSE(fs::exists(out / "bars.svg"));
  EXPECT_TRUE(fs::exists(out / "table.md"));
}

TEST(ReportCommand, FailedRunsFoundBySearchingAreSkippedAndNamed) {
  const auto dir = amem::testing::fresh_dir("report_failed");
  write_sweep(dir / "runs");
  write_eval_run(dir / "runs" / "evals" / "broken", FakeEval{});
  write_file(dir / "runs" / "evals" / "broken" / "FAILED", "out of memory\n");
  const auto bank = dir / "runs" / "bank";  // amem memory build: a bank, no figures
  write_file(bank / "config.yaml", "run:\n  name: squad_mac\n");
  write_file(bank / "metrics.jsonl", "{\"step\":0,\"time\":1.0,\"amortize_seconds\":0.5}\n");
  write_file(bank / "memory_bank.safetensors", "bank");
  const auto r = run_amem("report " + (dir / "runs").string() + " --out " + (dir / "out").string() + " --no-plots");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("amem report: skipped " + (dir / "runs" / "evals" / "broken").string() +
                          ": a failed run (FAILED: out of memory)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("amem report: skipped " + bank.string() +
                          ": a memory bank build (memory_bank.safetensors), neither an evaluation nor a training run"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "out" / "summary.json"))["skipped"].size(), 2u);
  // An evaluation killed mid-way (a sweep's cell before it was resumed) is skipped and listed too.
  const auto killed = dir / "runs" / "evals" / "killed";
  write_file(killed / "config.yaml", "run:\n  name: none\n");
  const auto with_killed = run_amem("report " + (dir / "runs").string() + " --out " + (dir / "out").string() + " --no-plots");
  ASSERT_EQ(with_killed.exit_code, 0) << with_killed.output;
  EXPECT_NE(with_killed.output.find("amem report: skipped " + killed.string() + ": not a finished run"), std::string::npos)
      << with_killed.output;
  // Given directly, a failed run is an error.
  const auto direct = run_amem("report " + (dir / "runs" / "evals" / "broken").string() + " --out " +
                               (dir / "out2").string());
  EXPECT_EQ(direct.exit_code, 1);
  EXPECT_EQ(error_line(direct), "amem: error: " + (dir / "runs" / "evals" / "broken").string() +
                                    ": a failed run (FAILED: out of memory)");
  EXPECT_FALSE(fs::exists(dir / "out2"));
  // Nothing finished: the error names each skipped folder and why (a bank build did not fail).
  fs::create_directories(dir / "banks");
  fs::rename(bank, dir / "banks" / "bank");
  fs::create_directories(dir / "banks" / "killed");
  fs::rename(killed / "config.yaml", dir / "banks" / "killed" / "config.yaml");
  const auto nothing = run_amem("report " + (dir / "banks").string() + " --out " + (dir / "out3").string());
  EXPECT_EQ(nothing.exit_code, 1) << nothing.output;
  EXPECT_EQ(error_line(nothing), "amem: error: no finished runs in the given folders; skipped " +
                                     (dir / "banks" / "bank").string() + ": a memory bank build (memory_bank.safetensors), "
                                     "neither an evaluation nor a training run; skipped " +
                                     (dir / "banks" / "killed").string() + ": not a finished run (config.yaml, but "
                                     "neither results.json nor training losses in metrics.jsonl)");
  EXPECT_FALSE(fs::exists(dir / "out3"));
}

TEST(ReportCommand, BadInputsAreOneLineErrorsAndWriteNothing) {
  const auto dir = amem::testing::fresh_dir("report_bad");
  write_sweep(dir / "runs");
  const auto out = (dir / "out").string();
  const auto fails = [&](const std::string& arguments, int code, const std::string& message) {
    const auto r = run_amem("report " + arguments);
    EXPECT_EQ(r.exit_code, code) << arguments << "\n" << r.output;
    EXPECT_EQ(error_line(r), "amem: error: " + message) << arguments;
    EXPECT_FALSE(fs::exists(out)) << arguments;
  };
  const auto runs = (dir / "runs").string();
  // Usage: exit 2.
  fails(runs, 2, "report: --out is required (see amem report --help)");
  fails(runs + " --out " + out + " --format gif", 2,
        "report: --format: gif not in {svg,png} (see amem report --help)");
  const std::string numbers = "adapt_seconds_per_document.mean, adapt_seconds_per_document.median, documents, "
                              "exact_match, f1, peak_cpu_memory_bytes, questions";
  fails(runs + " --out " + out + " --metrics nope", 2,
        "--metrics nope: no number under this key in any results.json of these runs (numbers: " + numbers + ")");
  // A key every run has but none as a number (null, or an object) would be a column of dashes.
  fails(runs + " --out " + out + " --metrics memory_bank", 2,
        "--metrics memory_bank: no number under this key in any results.json of these runs (numbers: " + numbers + ")");
  fails(runs + " --out " + out + " --metrics f1,f1", 2, "--metrics f1: given twice");
  fails(runs + " --out ''", 2, "report: --out: an empty path (give the report folder)");
  fails(runs + " --out " + runs, 2,
        "--out " + runs + ": exists and is not a report folder (no summary.json); a report replaces its folder, "
        "so choose a new or report folder");
  EXPECT_TRUE(fs::exists(dir / "runs" / "evals" / "none-1" / "results.json"));

  // Bad folders and files: exit 1, naming them.
  fs::create_directories(dir / "empty");
  fails((dir / "empty").string() + " --out " + out, 1,
        (dir / "empty").string() + ": not a run folder (no config.yaml) and holds none at any depth");
  fails((dir / "missing").string() + " --out " + out, 1, (dir / "missing").string() + ": no such folder");
  const auto run = dir / "runs" / "evals" / "uniform-1";
  write_file(run / "results.json", "{\"exact_match\": 1.0,");
  fails(runs + " --out " + out, 1,
        (run / "results.json").string() +
            ": invalid JSON (parse error at line 1, column 21: syntax error while parsing object key - unexpected "
            "end of input; expected string literal)");
  write_file(run / "results.json", "{\"exact_match\": 1.0}");
  fails(runs + " --out " + out, 1,
        (run / "results.json").string() + ": missing key 'f1' (expected a number, as amem eval writes)");
  fs::remove(run / "results.json");
  fails(run.string() + " --out " + out, 1,
        run.string() + ": not a finished run (config.yaml, but neither results.json nor training losses in "
                       "metrics.jsonl)");
  write_eval_run(run, FakeEval{});
  // A training run killed mid-way (losses short of train.steps, no last/, no FAILED) is no result
  // either; the same folder with its losses up to train.steps is finished even without last/ (run
  // folders come back from a GPU machine without their checkpoints).
  const auto killed = dir / "runs" / "train" / "qa_tune-1";
  fs::rename(killed / "last", dir / "last-aside");
  const auto finished = read_file(killed / "metrics.jsonl");
  const auto accepted = run_amem("report " + killed.string() + " --out " + out + " --no-plots");
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;
  amem::io::remove_tree(out);
  write_file(killed / "metrics.jsonl", "{\"step\":5,\"time\":1.0,\"loss\":7.4}\n{\"step\":10,\"time\":2.0,\"loss\":7.0}\n");
  fails(killed.string() + " --out " + out, 1,
        killed.string() + ": not a finished run (its training losses in metrics.jsonl stop before train.steps and "
                          "it has no last/: it was stopped; resume it with train.resume=<run>/checkpoint)");
  write_file(killed / "metrics.jsonl", finished);
  fs::rename(dir / "last-aside", killed / "last");
  write_file(dir / "runs" / "train" / "qa_tune-1" / "metrics.jsonl", "{\"step\":5,\"loss\":1}\n{\"step\":10,\n");
  fails(runs + " --out " + out, 1,
        (dir / "runs" / "train" / "qa_tune-1" / "metrics.jsonl").string() + ":2: invalid JSON line");
}

// Two real `amem eval` runs of the tiny SQuAD stream under two seeds: one row, n = 2.
TEST(ReportCommand, EndToEndFromTwoEvalRuns) {
  const auto dir = amem::testing::fresh_dir("report_end_to_end");
  for (const char* seed : {"1", "2"}) {
    const auto r = run_amem("eval configs/eval/squad_none.yaml run.seed=" + std::string(seed) +
                            " data.seed=" + seed + " run.output_dir=" + (dir / "runs").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const auto r = run_amem("report " + (dir / "runs").string() + " --out " + (dir / "report").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto summary = nlohmann::json::parse(read_file(dir / "report" / "summary.json"));
  ASSERT_EQ(summary["rows"].size(), 1u);
  EXPECT_EQ(summary["rows"][0]["label"], "squad_none");
  EXPECT_EQ(summary["rows"][0]["n"], 2);
  EXPECT_EQ(summary["rows"][0]["seeds"], nlohmann::json({"data.seed=1 run.seed=1", "data.seed=2 run.seed=2"}));
  EXPECT_EQ(summary["rows"][0]["metrics"]["questions"]["mean"], 178.0);
  EXPECT_NE(read_file(dir / "report" / "table.md").find("| squad_none | 2 |"), std::string::npos);
  if (amem::report::plotting_available()) {
    EXPECT_TRUE(has_image_header(dir / "report" / "bars.svg", amem::report::ImageFormat::svg));
  }
}

TEST(ReportCommand, HelpAndMissingArguments) {
  for (const char* flag : {"--help", "-h"}) {
    const auto r = run_amem(std::string("report ") + flag);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("usage: amem report RUN_DIR..."), std::string::npos) << r.output;
  }
  const auto bare = run_amem("report");  // the usage, as a mistake
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.output.find("usage: amem report"), std::string::npos);
  const auto typo = run_amem("report runs --out x --lable eval.adapter");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(error_line(typo).find("report: "), std::string::npos);
}
