#include "amem/methods/camels/token_weight_html.h"

#include <algorithm>
#include <cstdio>

#include "amem/core/error.h"

namespace amem::methods::camels {

namespace {

std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "&#8629;<br>";
        break;  // keep line breaks visible
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double x, const char* format) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, x);
  return buffer;
}

}  // namespace

std::string token_weight_html(const std::string& title, const std::vector<std::string>& tokens,
                              const std::vector<double>& weights) {
  if (tokens.size() != weights.size())
    throw Error("token_weight_html: " + std::to_string(tokens.size()) + " tokens but " +
                std::to_string(weights.size()) + " weights");
  const double largest = weights.empty() ? 0.0 : *std::max_element(weights.begin(), weights.end());
  const double smallest = weights.empty() ? 0.0 : *std::min_element(weights.begin(), weights.end());
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escaped(title) +
                     "</title></head>\n<body style=\"font-family: monospace; line-height: 1.8\">\n<p>" +
                     escaped(title) + " — max " + number(largest, "%.3f") + ", min " + number(smallest, "%.3f") +
                     "</p>\n<p>";
  for (size_t i = 0; i < tokens.size(); ++i) {
    const double alpha = largest > 0 ? 0.8 * std::max(weights[i], 0.0) / largest : 0.0;
    html += "<span title=\"" + number(weights[i], "%.4f") + "\" style=\"background: rgba(220, 30, 30, " +
            number(alpha, "%.3f") + "); white-space: pre\">" + escaped(tokens[i]) + "</span>";
  }
  html += "</p>\n</body></html>\n";
  return html;
}

}  // namespace amem::methods::camels
