#include "amem/report/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "amem/core/error.h"
#include "amem/io/atomic_folder.h"
#include "amem/report/protocol_curves.h"
#include "amem/report/table_text.h"

namespace amem::report {

namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json number_or_null(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}

nlohmann::ordered_json summary_json(const ResultTable& table, const Runs& runs, const ReportOptions& options,
                                    const std::map<std::string, std::vector<RowCurve>>& curves) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& [key, cell] : row.cells) {
      nlohmann::ordered_json values = nlohmann::ordered_json::array();
      for (const auto& v : cell.values) values.push_back(number_or_null(v));
      metrics[key] = {{"mean", number_or_null(cell.mean)}, {"std", number_or_null(cell.std)}, {"values", values}};
    }
    nlohmann::ordered_json row_curves = nlohmann::ordered_json::object();
    for (const auto& [name, of_rows] : curves)
      for (const auto& curve : of_rows) {
        if (curve.label != row.label) continue;
        auto points = nlohmann::ordered_json::array();
        for (size_t i = 0; i < curve.x.size(); ++i)
          points.push_back({{"x", curve.x[i]}, {"mean", number_or_null(curve.y[i].mean)},
                            {"std", number_or_null(curve.y[i].std)}});
        row_curves[name] = points;
      }
    rows.push_back({{"label", row.label}, {"n", row.runs.size()}, {"runs", row.runs}, {"seeds", row.seeds},
                    {"metrics", metrics}, {"curves", row_curves}});
  }
  nlohmann::ordered_json trainings = nlohmann::ordered_json::array();
  for (const auto& run : runs.trainings) {
    nlohmann::ordered_json curves = nlohmann::ordered_json::object();
    for (const auto& [name, curve] : run.curves) {
      double lo = curve.front().second, hi = lo;
      for (const auto& point : curve) lo = std::min(lo, point.second), hi = std::max(hi, point.second);
      curves[name] = {{"points", curve.size()}, {"last_step", curve.back().first}, {"last", curve.back().second},
                      {"min", lo}, {"max", hi}};
    }
    trainings.push_back({{"run", run.path}, {"curves", curves}});
  }
  return {{"label_key", options.table.label_key}, {"columns", table.columns}, {"rows", rows},
          {"training_runs", trainings}, {"skipped", runs.skipped}};
}

// The panels a training run's metrics.jsonl supports, in a fixed order; none without points.
std::vector<LinePanel> training_panels(const TrainingRun& run) {
  const auto series_of = [&](const std::vector<std::string>& names) {
    std::vector<Series> out;
    for (const auto& name : names) {
      const auto it = run.curves.find(name);
      if (it == run.curves.end()) continue;
      Series s{name, {}, {}, {}};
      for (const auto& [step, value] : it->second) s.x.push_back(step), s.y.push_back(value);
      out.push_back(std::move(s));
    }
    return out;
  };
  std::vector<LinePanel> panels;
  const auto add = [&](const std::string& title, const std::string& y_label, const std::vector<std::string>& names) {
    auto series = series_of(names);
    if (!series.empty()) panels.push_back({run.name + ": " + title, "step", y_label, std::move(series)});
  };
  add("training loss", "loss", {"loss", "val_loss"});
  add("QA loss gain over the base model", "nats", {"qa_gain_from_base", "val_qa_gain_from_base"});
  add("validation answers", "percent", {"val_f1", "val_em"});
  add("validation perplexity", "perplexity", {"val_perplexity"});
  return panels;
}

BarChart quality_bars(const ResultTable& table) {
  BarChart chart{"Answer quality, mean ± std over seeds", "percent", {}, {}};
  for (const auto& row : table.rows) chart.categories.push_back(row.label);
  for (const auto& column : table.columns) {
    if (metric_kind(column) != MetricKind::quality) continue;
    Series s{column, {}, {}, {}};
    for (const auto& row : table.rows) {
      const auto it = row.cells.find(column);
      const bool has = it != row.cells.end() && it->second.mean;
      s.y.push_back(has ? *it->second.mean : 0);
      s.error.push_back(has && it->second.std ? *it->second.std : 0);
    }
    chart.series.push_back(std::move(s));
  }
  return chart;
}

// A file name made of the run folder's name: letters, digits, '.', '-' and '_' kept, the rest
// '_'; "-2", "-3"... when two runs share a name.
std::string plot_name(const std::string& run_name, std::set<std::string>& taken) {
  std::string base = "training-";
  for (char c : run_name) base += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_';
  std::string name = base;
  for (int i = 2; !taken.insert(name).second; ++i) name = base + "-" + std::to_string(i);
  return name;
}

void check_out_folder(const std::string& out) {
  const fs::path path(out);
  if (!fs::exists(path)) return;
  if (!fs::is_directory(path)) throw ConfigError("--out " + out + ": exists and is not a folder");
  if (!fs::is_empty(path) && !fs::exists(path / "summary.json"))
    throw ConfigError("--out " + out + ": exists and is not a report folder (no summary.json); "
                      "a report replaces its folder, so choose a new or report folder");
}

}  // namespace

ReportSummary write_report(const ReportOptions& options) {
  check_out_folder(options.out);
  const Runs runs = read_runs(options.runs);
  if (runs.evals.empty() && runs.trainings.empty()) {
    // What was skipped, and why: failed, killed, or a memory bank build (not a failure).
    std::string skipped;
    for (size_t i = 0; i < std::min<size_t>(runs.skipped.size(), 3); ++i) skipped += "; skipped " + runs.skipped[i];
    if (runs.skipped.size() > 3) skipped += "; and " + std::to_string(runs.skipped.size() - 3) + " more skipped";
    throw Error("no finished runs in the given folders" + skipped);
  }
  const ResultTable table = tabulate(runs.evals, options.table);
  const auto curves = row_curves(table, runs.evals);

  ReportSummary summary;
  summary.eval_runs = runs.evals.size();
  summary.rows = table.rows.size();
  summary.training_runs = runs.trainings.size();
  summary.notes = runs.skipped;
  for (auto& note : summary.notes) note = "skipped " + note;
  bool plots = options.plots;
  if (plots && !plotting_available()) {
    summary.notes.push_back("plots not drawn: " + plotting_unavailable_reason());
    plots = false;
  }
  if (plots) check_plot_format(options.format);

  io::write_folder_atomic(options.out, [&](const fs::path& dir) {
    const auto write = [&](const std::string& name, const std::string& contents) {
      std::ofstream out(dir / name, std::ios::binary);
      out << contents;
      if (!out.flush()) throw Error((fs::path(options.out) / name).string() + ": cannot be written");
      summary.files.push_back(name);
    };
    if (!table.rows.empty()) {
      write("table.md", to_markdown(table, options.table.label_key));
      write("table.tex", to_latex(table, options.table.label_key));
      write("table.csv", to_csv(table, options.table.label_key));
    }
    write("summary.json", summary_json(table, runs, options, curves).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    if (!plots) return;
    const std::string ext = std::string(".") + extension(options.format);
    const auto bars = quality_bars(table);
    if (!bars.categories.empty() && !bars.series.empty()) {
      plot_bars(dir / ("bars" + ext), bars, options.format);
      summary.files.push_back("bars" + ext);
    }
    for (const std::string protocol : {"retention", "distractors"}) {
      const auto panels = protocol_panels(protocol, curves);
      if (panels.empty()) continue;
      plot_lines(dir / (protocol + ext), panels, options.format);
      summary.files.push_back(protocol + ext);
    }
    std::set<std::string> taken;
    for (const auto& run : runs.trainings) {
      const auto name = plot_name(run.name, taken) + ext;
      plot_lines(dir / name, training_panels(run), options.format);
      summary.files.push_back(name);
    }
  });
  return summary;
}

}  // namespace amem::report
