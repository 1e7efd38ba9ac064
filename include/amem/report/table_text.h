// The result table as text: Markdown for READMEs, a LaTeX tabular for papers.
//
// A cell is "mean ± std" over the row's runs (the mean alone for one run, "—" for a figure
// the runs could not measure or do not have). Numbers by kind of metric (keys as in
// result_table.h): EM/F1 (percent) with 2 decimals; seconds with 3 significant digits; bytes
// shown in MiB (the column title says so) and anything else with 4 significant digits (a memory
// bank of a few KiB stays visible beside a process of GiB). The first column holds the row labels, titled by the label key; the second, n, the
// number of runs (seeds) averaged.
#pragma once

#include <string>

#include "amem/report/result_table.h"

namespace amem::report {

// "exact_match", "adapt_seconds_per_document.median", "peak_cpu_memory_MiB" (bytes -> MiB).
std::string column_title(const std::string& metric);

std::string to_markdown(const ResultTable& table, const std::string& label_title);

// A booktabs tabular (\toprule, \midrule, \bottomrule; needs \usepackage{booktabs}). Text is
// escaped for LaTeX: \ & % $ # _ { } ~ ^ become their commands.
std::string to_latex(const ResultTable& table, const std::string& label_title);

// CSV (RFC 4180) for spreadsheets and scripts: the label, n, then per column "<metric>.mean" and
// "<metric>.std", numbers unrounded in the metric's own unit (bytes in bytes), empty where a figure
// is missing or, for std, where a row has one run.
std::string to_csv(const ResultTable& table, const std::string& label_title);

// `text` with LaTeX's special characters escaped.
std::string latex_escape(const std::string& text);

}  // namespace amem::report
