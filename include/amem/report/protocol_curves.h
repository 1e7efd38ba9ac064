// The retention and distractor curves of `amem report` (eval/stream_protocols.h): per row of the
// result table, each curve's points averaged over the row's runs (seeds) at each x.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "amem/report/plot.h"
#include "amem/report/result_table.h"
#include "amem/report/run_folders.h"

namespace amem::report {

// One row's curve: at each x (ascending) the mean and std over the row's runs that have that x
// (cell.std nullopt where one run has it).
struct RowCurve {
  std::string label;  // the row's
  std::vector<double> x;
  std::vector<Cell> y;
};

// By curve name ("retention.f1", "distractors.exact_match"; run_folders.h), the rows that have it,
// in table order. `runs` are the runs `table` was made from.
std::map<std::string, std::vector<RowCurve>> row_curves(const ResultTable& table, const std::vector<EvalRun>& runs);

// The figure of one protocol ("retention" or "distractors") from row_curves: a panel per score
// (EM, F1, then the reference scoring's), a line per row with ± std error bars. Empty when no
// row has the protocol.
std::vector<LinePanel> protocol_panels(const std::string& protocol,
                                       const std::map<std::string, std::vector<RowCurve>>& curves);

}  // namespace amem::report
