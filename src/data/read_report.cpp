#include "amem/data/read_report.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "amem/core/error.h"

namespace amem::data {

namespace {

// Beyond this many warnings per file, a broken file would drown the log.
constexpr std::size_t kWarningsShown = 20;

// "line 12" for CSV records, the JSON path for JSON ones.
std::string position(const BadRow& row) { return row.where.empty() ? "line " + std::to_string(row.line) : row.where; }

}  // namespace

const char* describe(RowProblem problem) {
  switch (problem) {
    case RowProblem::missing_columns: return "missing columns";
    case RowProblem::extra_columns: return "extra columns";
    case RowProblem::bad_quoting: return "bad quoting";
    case RowProblem::empty_text: return "empty text";
    case RowProblem::empty_question: return "empty question";
    case RowProblem::empty_answers: return "empty answers";
    case RowProblem::bad_value: return "bad value";
  }
  return "unknown problem";
}

std::size_t ReadReport::bad_count(RowProblem problem) const {
  return static_cast<std::size_t>(
      std::count_if(bad_rows.begin(), bad_rows.end(), [&](const BadRow& r) { return r.problem == problem; }));
}

void ReadReport::add_bad(BadRow row) {
  if (bad_rows.size() < kWarningsShown) {
    spdlog::warn("{}: {}: skipped malformed record ({}): {}", file, position(row), describe(row.problem), row.detail);
  } else if (bad_rows.size() == kWarningsShown) {
    spdlog::warn("{}: more malformed records are skipped without a warning; see the summary", file);
  }
  bad_rows.push_back(std::move(row));
}

void check_bad_fraction(const ReadReport& report, const ReadLimits& limits) {
  if (report.bad_rows.empty()) return;
  const double fraction = static_cast<double>(report.bad_count()) / static_cast<double>(report.records);
  if (fraction <= limits.max_bad_fraction) return;
  char share[64];
  std::snprintf(share, sizeof share, "%.1f%%", 100.0 * fraction);
  char limit[64];
  std::snprintf(limit, sizeof limit, "%g", limits.max_bad_fraction);
  const BadRow& first = report.bad_rows.front();
  throw Error(report.file + ": " + std::to_string(report.bad_count()) + " of " + std::to_string(report.records) +
              " records are malformed (" + share + "), more than max_bad_fraction " + limit + "; first at " +
              position(first) + " (" + describe(first.problem) + ")");
}

}  // namespace amem::data
