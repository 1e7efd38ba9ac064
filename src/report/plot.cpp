#include "amem/report/plot.h"

#include <algorithm>
#include <stdexcept>

#include "amem/core/error.h"

#ifdef AMEM_HAVE_PLPLOT
#include <plplot.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#endif

namespace amem::report {

const char* extension(ImageFormat format) { return format == ImageFormat::svg ? "svg" : "png"; }

#ifdef AMEM_HAVE_PLPLOT

namespace {

// PLplot's name for the driver that writes `format`.
const char* device_name(ImageFormat format) { return format == ImageFormat::svg ? "svg" : "pngcairo"; }

// `with_x`: the series is a line, whose x and y pair up (bars take x from their category).
void check_series(const Series& s, const std::string& where, bool with_x) {
  if (with_x && s.y.size() != s.x.size())
    throw Error(where + ": series '" + s.name + "' has " + std::to_string(s.x.size()) + " x and " +
                std::to_string(s.y.size()) + " y values");
  if (!s.error.empty() && s.error.size() != s.y.size())
    throw Error(where + ": series '" + s.name + "' has " + std::to_string(s.error.size()) + " error bars for " +
                std::to_string(s.y.size()) + " values");
}

// PLplot reads '#' as the start of an escape sequence; "##" is a literal one.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '#' ? std::string("##") : std::string(1, c);
  return out;
}


// Colour map 0: 0 the background (white), 1 the axes and text (black), 2 the grid (light grey),
// then the series colours (Tableau's ten, which stay distinct in print and for most colour-blind
// readers).
constexpr int kGridColour = 2;
constexpr int kFirstSeriesColour = 3;
constexpr int kSeriesColours = 10;
void set_colours() {
  const PLINT r[] = {255, 0, 210, 31, 255, 44, 214, 148, 140, 227, 127, 188, 23};
  const PLINT g[] = {255, 0, 210, 119, 127, 160, 39, 103, 86, 119, 127, 189, 190};
  const PLINT b[] = {255, 0, 210, 180, 14, 44, 40, 189, 75, 194, 127, 34, 207};
  plscmap0(r, g, b, kFirstSeriesColour + kSeriesColours);
}
PLINT series_colour(size_t i) { return PLINT(kFirstSeriesColour + i % kSeriesColours); }

// PLplot ends the process on a fatal error (a file it cannot open, say); this makes that exit
// speak amem's one-line error form and code 1.
int on_plplot_exit(const char* message) {
  std::fprintf(stderr, "amem: error: PLplot: %s\n", message);
  return 1;
}

// Opens a PLplot session writing `file`: `width` x `height` pixels (points for SVG), `rows`
// panels stacked.
void begin(const std::filesystem::path& file, ImageFormat format, int width, int height, int rows) {
  check_plot_format(format);
  plsexit(on_plplot_exit);
  plsdev(device_name(format));
  plsfnam(file.string().c_str());
  plspage(0, 0, width, height, 0, 0);
  set_colours();
  plssub(1, rows);
  plinit();
  plschr(0, 0.8);
}

void legend(const std::vector<Series>& series, PLINT opt_kind) {
  const auto n = PLINT(series.size());
  std::vector<PLINT> opts(n, opt_kind), colours(n), styles(n, 1), patterns(n, 0), text_colours(n, 1);
  std::vector<PLFLT> widths(n, 2), box_scales(n, 0.8), box_widths(n, 1);
  std::vector<std::string> names(static_cast<size_t>(n));
  std::vector<const char*> texts(static_cast<size_t>(n));
  for (PLINT i = 0; i < n; ++i) {
    colours[size_t(i)] = series_colour(size_t(i));
    names[size_t(i)] = text(series[size_t(i)].name);
    texts[size_t(i)] = names[size_t(i)].c_str();
  }
  PLFLT legend_width = 0, legend_height = 0;
  pllegend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_RIGHT | PL_POSITION_TOP | PL_POSITION_INSIDE, 0.02, 0.02, 0.08, 0, 1, 1, 0, 0, n,
           opts.data(), 1.0, 0.8, 2.0, 0.0, text_colours.data(), texts.data(), colours.data(), patterns.data(),
           box_scales.data(), box_widths.data(), colours.data(), styles.data(), widths.data(), nullptr, nullptr,
           nullptr, nullptr);
}

// A light grid under black axes, ticks and numbers.
void axes(const char* x_options, const char* y_options) {
  plcol0(kGridColour);
  plbox("g", 0, 0, "g", 0, 0);
  plcol0(1);
  plbox(x_options, 0, 0, y_options, 0, 0);
}

// Series this short (validation every few hundred steps, one point per stream position) get a
// marker at each point, so that a single value shows.
constexpr size_t kMarkedPoints = 50;

// [lo, hi] widened by 5% each side, or by 1 when it is a single value.
std::pair<double, double> padded(double lo, double hi) {
  if (!(hi > lo)) return {lo - 1, hi + 1};
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

void draw_error_bars(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& error) {
  std::vector<PLFLT> lo(y.size()), hi(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    lo[i] = y[i] - error[i];
    hi[i] = y[i] + error[i];
  }
  plerry(PLINT(y.size()), x.data(), lo.data(), hi.data());
}

}  // namespace

bool plotting_available() { return true; }
std::string plotting_unavailable_reason() { return ""; }

void check_plot_format(ImageFormat format) {
  // PLplot lists its drivers (found at run time in its drivers folder) up to a caller's bound.
  constexpr int kMaxDevices = 128;
  std::vector<const char*> menu(kMaxDevices), names(kMaxDevices);
  const char** menu_data = menu.data();
  const char** names_data = names.data();
  int count = kMaxDevices;
  plgDevs(&menu_data, &names_data, &count);
  for (int i = 0; i < count; ++i)
    if (std::string(names_data[i]) == device_name(format)) return;
  throw Error(std::string("PLplot has no '") + device_name(format) + "' driver for " + extension(format) +
              " (install " + (format == ImageFormat::png ? "plplot-driver-cairo" : "libplplot17") +
              ", or choose the other --format)");
}

void plot_lines(const std::filesystem::path& file, const std::vector<LinePanel>& panels, ImageFormat format) {
  if (panels.empty()) throw Error(file.string() + ": no panels to plot");
  for (const auto& p : panels)
    for (const auto& s : p.series) check_series(s, file.string(), true);
  begin(file, format, 800, 320 * int(panels.size()), int(panels.size()));
  for (const auto& panel : panels) {
    pladv(0);
    plvsta();
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (const auto& s : panel.series)
      for (size_t i = 0; i < s.y.size(); ++i) {
        const double e = s.error.empty() ? 0 : s.error[i];
        x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
        y_lo = std::min(y_lo, s.y[i] - e), y_hi = std::max(y_hi, s.y[i] + e);
      }
    if (x_lo > x_hi) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;  // a panel without points: empty axes
    const auto [xa, xb] = padded(x_lo, x_hi);
    const auto [ya, yb] = padded(y_lo, y_hi);
    plwind(xa, xb, ya, yb);
    axes("bcnst", "bcnstv");
    pllab(text(panel.x_label).c_str(), text(panel.y_label).c_str(), text(panel.title).c_str());
    for (size_t i = 0; i < panel.series.size(); ++i) {
      const auto& s = panel.series[i];
      plcol0(series_colour(i));
      plwidth(2);
      plline(PLINT(s.y.size()), s.x.data(), s.y.data());
      plwidth(1);
      if (s.y.size() <= kMarkedPoints) {
        plssym(0, 1.5);
        plpoin(PLINT(s.y.size()), s.x.data(), s.y.data(), 17);  // a filled dot
      }
      if (!s.error.empty()) draw_error_bars(s.x, s.y, s.error);
    }
    if (!panel.series.empty()) legend(panel.series, PL_LEGEND_LINE);
  }
  plend();
}

void plot_bars(const std::filesystem::path& file, const BarChart& chart, ImageFormat format) {
  if (chart.categories.empty() || chart.series.empty()) throw Error(file.string() + ": no bars to plot");
  for (const auto& s : chart.series) {
    check_series(s, file.string(), false);
    if (s.y.size() != chart.categories.size())
      throw Error(file.string() + ": series '" + s.name + "' has " + std::to_string(s.y.size()) + " values for " +
                  std::to_string(chart.categories.size()) + " categories");
  }
  const size_t groups = chart.categories.size(), bars = chart.series.size();
  begin(file, format, std::max(640, int(120 * groups * bars)), 480, 1);
  pladv(0);
  plvpor(0.1, 0.95, 0.2, 0.9);
  double y_hi = 0;
  for (const auto& s : chart.series)
    for (size_t j = 0; j < groups; ++j) y_hi = std::max(y_hi, s.y[j] + (s.error.empty() ? 0 : s.error[j]));
  y_hi = y_hi > 0 ? 1.35 * y_hi : 1;  // room for the legend; axes for an all-zero chart
  plwind(0, double(groups), 0, y_hi);
  plcol0(kGridColour);
  plbox("", 0, 0, "g", 0, 0);
  plcol0(1);
  pllab("", text(chart.y_label).c_str(), text(chart.title).c_str());
  const double width = 0.8 / double(bars);
  for (size_t i = 0; i < bars; ++i) {
    const auto& s = chart.series[i];
    std::vector<double> centres(groups);
    for (size_t j = 0; j < groups; ++j) {
      const double left = double(j) + 0.1 + width * double(i);
      centres[j] = left + width / 2;
      const PLFLT x[] = {left, left + width, left + width, left};
      const PLFLT y[] = {0, 0, s.y[j], s.y[j]};
      plcol0(series_colour(i));
      plfill(4, x, y);
    }
    plcol0(1);
    if (!s.error.empty()) draw_error_bars(centres, s.y, s.error);
  }
  plcol0(1);
  plbox("bc", 0, 0, "bcnstv", 0, 0);  // over the bars: axes on top
  for (size_t j = 0; j < groups; ++j)
    plmtex("b", 1.5 + 1.2 * double(j % 2), (double(j) + 0.5) / double(groups), 0.5, text(chart.categories[j]).c_str());
  legend(chart.series, PL_LEGEND_COLOR_BOX);
  plend();
}

#else  // built without PLplot

bool plotting_available() { return false; }
std::string plotting_unavailable_reason() {
  return "this amem was built without PLplot (install libplplot-dev and plplot-driver-cairo, then configure "
         "again)";
}
void check_plot_format(ImageFormat) { throw Error("plots: " + plotting_unavailable_reason()); }
void plot_lines(const std::filesystem::path&, const std::vector<LinePanel>&, ImageFormat) {
  throw std::logic_error("plot_lines: built without PLplot");
}
void plot_bars(const std::filesystem::path&, const BarChart&, ImageFormat) {
  throw std::logic_error("plot_bars: built without PLplot");
}

#endif

}  // namespace amem::report
