#include "amem/eval/stream_protocols.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "amem/core/error.h"
#include "amem/data/seeded_shuffle.h"

namespace amem::eval {

void RetentionSettings::check(size_t stream_documents) const {
  if (size_t(first_documents) > stream_documents)
    throw ConfigError(where + ": " + std::to_string(first_documents) + " documents, but the stream has only " +
                      std::to_string(stream_documents));
}

namespace {

std::string fraction_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", fraction);
  return text;
}

}  // namespace

DistractorPool::DistractorPool(const data::QADataset& candidates, const data::QADataset& stream,
                               const DistractorSettings& settings)
    : stream_(stream) {
  // A document of the stream is not irrelevant to its questions, wherever it was read from.
  std::unordered_set<std::string> in_stream;
  for (const auto& document : stream.documents) in_stream.insert(document.text);
  for (const auto& document : candidates.documents) {
    if (in_stream.count(document.text)) continue;
    documents_.push_back(document);
    documents_.back().questions.clear();
  }
  data::SeededRandom random(settings.seed);
  data::seeded_shuffle(documents_, random);
  // Slots are drawn once, in the pool's order, so a distractor sits at the same place under
  // every fraction that includes it.
  for (size_t i = 0; i < documents_.size(); ++i) slots_.push_back(random.below(stream.documents.size() + 1));
  for (double fraction : settings.fractions)
    if (count(fraction) > documents_.size())
      throw ConfigError(settings.where + ": fraction " + fraction_text(fraction) + " needs " +
                        std::to_string(count(fraction)) + " distractor documents, but " + settings.source.path +
                        " has only " + std::to_string(documents_.size()) + " that are not in the stream");
}

size_t DistractorPool::count(double fraction) const {
  return size_t(std::llround(fraction * double(stream_.documents.size())));
}

data::QADataset DistractorPool::stream_with(double fraction) const {
  const size_t n = std::min(count(fraction), documents_.size());
  data::QADataset out;
  out.report = stream_.report;
  for (size_t slot = 0; slot <= stream_.documents.size(); ++slot) {
    for (size_t i = 0; i < n; ++i)
      if (slots_[i] == slot) out.documents.push_back(documents_[i]);
    if (slot < stream_.documents.size()) out.documents.push_back(stream_.documents[slot]);
  }
  return out;
}

}  // namespace amem::eval
