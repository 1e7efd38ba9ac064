// Figures for `amem report`, drawn by PLplot (Debian libplplot-dev; SVG through its svg
// driver, PNG through plplot-driver-cairo's pngcairo). Plots take series generically, so a new
// kind of curve (retention over stream position, accuracy against distractors) is a new panel
// of the same types, not new drawing code.
//
// PLplot is optional at build time (the GPU image has no Debian packages): without it
// plotting_available() is false and the report writes its tables only, saying why.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace amem::report {

// One line (or one set of bars): y over x, with optional error bars (± error, same length as y,
// or empty).
struct Series {
  std::string name;
  std::vector<double> x, y, error;
};

// A panel of lines sharing axes, e.g. training loss over steps.
struct LinePanel {
  std::string title, x_label, y_label;
  std::vector<Series> series;
};

// Grouped bars: one group per category (a method), one bar per series (EM, F1) with its error
// bar; series[i].y[j] is series i's value for categories[j] (x is unused).
struct BarChart {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<Series> series;
};

enum class ImageFormat { svg, png };

// The file extension without the dot: "svg", "png".
const char* extension(ImageFormat format);

// Whether this build has PLplot; when not, why, as one line for the user.
bool plotting_available();
std::string plotting_unavailable_reason();

// amem::Error when PLplot lacks the driver for `format` (pngcairo: plplot-driver-cairo).
void check_plot_format(ImageFormat format);

// `panels` stacked vertically in one image at `file`. amem::Error for an empty panel list or a
// series whose lengths disagree; std::logic_error without PLplot.
void plot_lines(const std::filesystem::path& file, const std::vector<LinePanel>& panels, ImageFormat format);

void plot_bars(const std::filesystem::path& file, const BarChart& chart, ImageFormat format);

}  // namespace amem::report
