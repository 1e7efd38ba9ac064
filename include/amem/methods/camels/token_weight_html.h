// The picture CaMeLS's validation keeps: a document's tokens, each on a background whose red
// intensity is its weight relative to the document's largest, with the weight as a tooltip — to
// see at a glance which tokens the weight model thinks matter (the reference draws a PNG).
#pragma once

#include <string>
#include <vector>

namespace amem::methods::camels {

// A self-contained HTML page. `tokens` are decoded pieces (HTML-escaped here), `weights` one
// per token (same length; amem::Error otherwise).
std::string token_weight_html(const std::string& title, const std::vector<std::string>& tokens,
                              const std::vector<double>& weights);

}  // namespace amem::methods::camels
