#include "amem/report/protocol_curves.h"

#include <optional>

namespace amem::report {

std::map<std::string, std::vector<RowCurve>> row_curves(const ResultTable& table, const std::vector<EvalRun>& runs) {
  std::map<std::string, const EvalRun*> by_path;
  for (const auto& run : runs) by_path[run.path] = &run;
  std::map<std::string, std::vector<RowCurve>> out;
  for (const auto& row : table.rows) {
    std::map<std::string, std::map<double, std::vector<std::optional<double>>>> points;  // curve -> x -> values
    for (const auto& path : row.runs)
      for (const auto& [name, curve] : by_path.at(path)->curves)
        for (const auto& [x, y] : curve) points[name][x].push_back(y);
    for (const auto& [name, by_x] : points) {
      RowCurve curve{row.label, {}, {}};
      for (const auto& [x, values] : by_x) {
        curve.x.push_back(x);
        curve.y.push_back(summarise(values));
      }
      out[name].push_back(std::move(curve));
    }
  }
  return out;
}

std::vector<LinePanel> protocol_panels(const std::string& protocol,
                                       const std::map<std::string, std::vector<RowCurve>>& curves) {
  const bool retention = protocol == "retention";
  const std::string x_label = retention ? "documents seen" : "distractor documents per stream document";
  std::vector<LinePanel> panels;
  for (const auto& [score, title] : std::vector<std::pair<std::string, std::string>>{
           {"exact_match", "EM"}, {"f1", "F1"}, {"reference_exact_match", "EM (reference scoring)"},
           {"reference_f1", "F1 (reference scoring)"}}) {
    const auto it = curves.find(protocol + "." + score);
    if (it == curves.end()) continue;
    LinePanel panel{(retention ? "Retention of the first documents' answers: " : "Distractor robustness: ") + title,
                    x_label, "percent", {}};
    for (const auto& row : it->second) {
      Series s{row.label, row.x, {}, {}};
      for (const auto& cell : row.y) {
        s.y.push_back(cell.mean.value_or(0));
        s.error.push_back(cell.std.value_or(0));
      }
      panel.series.push_back(std::move(s));
    }
    panels.push_back(std::move(panel));
  }
  return panels;
}

}  // namespace amem::report
