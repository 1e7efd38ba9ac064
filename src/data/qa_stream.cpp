#include "amem/data/qa_stream.h"

#include <algorithm>
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
  if (options.downsample_to > 0 && static_cast<std::size_t>(options.downsample_to) < order.size()) {
    order.resize(static_cast<std::size_t>(options.downsample_to));
  }

  QADataset stream;
  stream.report = dataset.report;
  stream.documents.reserve(order.size());
  for (std::size_t index : order) stream.documents.push_back(dataset.documents[index]);
  return stream;
}

}  // namespace amem::data
