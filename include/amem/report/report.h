// `amem report`: from run folders to what a paper or README shows. Writes into one folder,
// atomically (io/atomic_folder.h: a complete report or the previous one, never half of one):
//   table.md        the result table in Markdown (table_text.h)        } when there are
//   table.tex       the same as a booktabs LaTeX tabular               } evaluation runs
//   table.csv       the same numbers unrounded: mean and std columns   }
//   bars.EXT        EM/F1 (and every other quality column) per row, mean with ± std error bars
//   retention.EXT   when runs have eval.retention's curve: EM/F1 of the first documents over
//                   documents seen, a line per row (protocol_curves.h)
//   distractors.EXT when runs have eval.distractors' curve: EM/F1 over the distractor fraction
//   training-NAME.EXT  per training run: loss (and val_loss), QA gain over the base model,
//                   validation F1/EM and validation perplexity over steps, the panels its
//                   metrics.jsonl has
//   summary.json    every number: per row its runs, seeds, every metric's mean, std and
//                   per-run values, and its protocol curves (x, mean, std); per training run its curves' last, min and max
// EXT is svg or png. Plots need PLplot (plot.h); a build without it writes the rest and says so.
// (PLplot ends the process on an internal fatal error, such as a driver failing to open its
// file; amem's handler makes that a one-line error with exit code 1, but the staging folder of
// the report is then left beside `out`, unfinished, under its staging name.)
#pragma once

#include <string>
#include <vector>

#include "amem/report/plot.h"
#include "amem/report/result_table.h"

namespace amem::report {

struct ReportOptions {
  std::vector<std::string> runs;  // run folders or folders of them (run_folders.h)
  std::string out;                // the report folder
  TableOptions table;
  ImageFormat format = ImageFormat::svg;
  bool plots = true;
};

struct ReportSummary {
  size_t eval_runs = 0, rows = 0, training_runs = 0;
  std::vector<std::string> files;  // written into `out`, by name
  std::vector<std::string> notes;  // one line each: skipped runs, plots not drawn and why
};

// Reads, tabulates, draws and writes. ConfigError when `out` exists but is not a report folder
// (it would be replaced: a folder other than a previous report is never deleted), besides the
// errors of read_runs and tabulate; amem::Error when no finished run was found.
ReportSummary write_report(const ReportOptions& options);

}  // namespace amem::report
