#include "amem/data/qa_stream.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "amem/data/seeded_shuffle.h"

namespace amem::data {

QADataset make_stream(const QADataset& dataset, const StreamOptions& options) {
  // Rank of each group in the stream: its first appearance, then the shuffle.
  std::vector<std::string> groups;
  std::unordered_map<std::string, std::size_t> rank;
  for (const auto& document : dataset.documents) {
    if (rank.emplace(document.group, groups.size()).second) groups.push_back(document.group);
  }
  if (options.shuffle) {
    SeededRandom random(options.seed);
    seeded_shuffle(groups, random);
  }
  for (std::size_t i = 0; i < groups.size(); ++i) rank[groups[i]] = i;

  std::vector<std::size_t> order(dataset.documents.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rank.at(dataset.documents[a].group) < rank.at(dataset.documents[b].group);
  });
  const std::size_t keep = options.downsample_to > 0 ? static_cast<std::size_t>(options.downsample_to)
                                                     : std::numeric_limits<std::size_t>::max();
  const bool by_rows = options.downsample_unit == DownsampleUnit::rows;
  if (!by_rows && keep < order.size()) order.resize(keep);

  QADataset stream;
  stream.report = dataset.report;
  stream.documents.reserve(order.size());
  std::size_t rows_left = keep;
  for (std::size_t index : order) {
    if (by_rows && rows_left == 0) break;
    stream.documents.push_back(dataset.documents[index]);
    if (!by_rows) continue;
    auto& questions = stream.documents.back().questions;
    if (questions.size() > rows_left) questions.resize(rows_left);
    rows_left -= questions.size();
  }
  return stream;
}

}  // namespace amem::data
