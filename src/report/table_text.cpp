#include "amem/report/table_text.h"

#include <cstdio>

namespace amem::report {

namespace {

std::string number(double value, MetricKind kind) {
  char text[64];
  switch (kind) {
    case MetricKind::quality: std::snprintf(text, sizeof text, "%.2f", value); break;
    case MetricKind::seconds: std::snprintf(text, sizeof text, "%.3g", value); break;
    case MetricKind::bytes: std::snprintf(text, sizeof text, "%.4g", value / (1024.0 * 1024.0)); break;
    case MetricKind::other: std::snprintf(text, sizeof text, "%.4g", value); break;
  }
  return text;
}

// The cell's text; `plus_minus` and `missing` in the target format's spelling.
std::string cell_text(const Row& row, const std::string& metric, const std::string& plus_minus,
                      const std::string& missing) {
  const auto it = row.cells.find(metric);
  if (it == row.cells.end() || !it->second.mean) return missing;
  const MetricKind kind = metric_kind(metric);
  std::string text = number(*it->second.mean, kind);
  if (it->second.std) text += plus_minus + number(*it->second.std, kind);
  return text;
}

std::string markdown_escape(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string column_title(const std::string& metric) {
  const auto at = metric.find("bytes");
  return at == std::string::npos ? metric : metric.substr(0, at) + "MiB" + metric.substr(at + 5);
}

std::string to_markdown(const ResultTable& table, const std::string& label_title) {
  std::string out = "| " + markdown_escape(label_title) + " | n |";
  std::string rule = "| --- | ---: |";
  for (const auto& c : table.columns) {
    out += " " + markdown_escape(column_title(c)) + " |";
    rule += " ---: |";
  }
  out += "\n" + rule + "\n";
  for (const auto& row : table.rows) {
    out += "| " + markdown_escape(row.label) + " | " + std::to_string(row.runs.size()) + " |";
    for (const auto& c : table.columns) out += " " + cell_text(row, c, " ± ", "—") + " |";
    out += "\n";
  }
  return out;
}

std::string latex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}': out += std::string("\\") + c; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string to_latex(const ResultTable& table, const std::string& label_title) {
  std::string out = "% amem report: mean $\\pm$ sample standard deviation over n runs; needs \\usepackage{booktabs}\n";
  out += "\\begin{tabular}{lr" + std::string(table.columns.size(), 'r') + "}\n\\toprule\n";
  out += latex_escape(label_title) + " & $n$";
  for (const auto& c : table.columns) out += " & " + latex_escape(column_title(c));
  out += " \\\\\n\\midrule\n";
  for (const auto& row : table.rows) {
    out += latex_escape(row.label) + " & " + std::to_string(row.runs.size());
    for (const auto& c : table.columns) out += " & " + cell_text(row, c, " $\\pm$ ", "---");
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  return out;
}

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Unrounded, in the metric's own unit (bytes stay bytes), for other programs to read.
std::string csv_number(const std::optional<double>& value) {
  if (!value) return "";
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", *value);
  return text;
}

}  // namespace

std::string to_csv(const ResultTable& table, const std::string& label_title) {
  std::string out = csv_field(label_title) + ",n";
  for (const auto& c : table.columns) out += "," + csv_field(c + ".mean") + "," + csv_field(c + ".std");
  out += "\n";
  for (const auto& row : table.rows) {
    out += csv_field(row.label) + "," + std::to_string(row.runs.size());
    for (const auto& c : table.columns) {
      const auto it = row.cells.find(c);
      const bool has = it != row.cells.end();
      out += "," + csv_number(has ? it->second.mean : std::nullopt) + "," + csv_number(has ? it->second.std : std::nullopt);
    }
    out += "\n";
  }
  return out;
}

}  // namespace amem::report
