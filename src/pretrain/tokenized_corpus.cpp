#include "amem/pretrain/tokenized_corpus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <numeric>
#include <thread>

#include "amem/core/error.h"
#include "amem/data/seeded_shuffle.h"
#include "amem/pretrain/text_corpus.h"

namespace amem::pretrain {

std::vector<size_t> held_out_documents(size_t documents, int64_t val_documents, uint64_t val_seed) {
  if (val_documents < 0 || size_t(val_documents) >= documents)
    throw ConfigError("pretrain.val_documents: " + std::to_string(val_documents) + " would leave none of the " +
                      std::to_string(documents) + " documents for training (expected fewer)");
  std::vector<size_t> order(documents);
  std::iota(order.begin(), order.end(), size_t{0});
  data::SeededRandom random(val_seed);
  data::seeded_shuffle(order, random);
  order.resize(size_t(val_documents));
  std::sort(order.begin(), order.end());
  return order;
}

namespace {

// encode() of every document, on `threads` threads taking documents in turn (documents vary
// in length by orders of magnitude, so fixed slices would leave threads idle).
TokenizedDocuments encode_all(const std::vector<std::string>& documents, const text::Tokenizer& tokenizer,
                              size_t threads) {
  TokenizedDocuments out(documents.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (size_t i; !failed && (i = next.fetch_add(1)) < documents.size();) out[i] = tokenizer.encode(documents[i]);
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

}  // namespace

TokenizedCorpus tokenize_corpus(const PretrainSettings& settings, const text::Tokenizer& tokenizer) {
  std::vector<std::string> documents;
  for (const auto& path : settings.text_paths) {
    const int64_t left = settings.max_documents < 0 ? -1 : settings.max_documents - int64_t(documents.size());
    if (left == 0) break;
    auto more = read_text_documents(path, left);
    // An empty file in the list is a mistake in it, as an empty data file is (configs/README.md).
    if (more.empty())
      throw ConfigError("pretrain.text_paths: '" + path + "': holds no document (every line is blank)");
    documents.insert(documents.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }

  const size_t threads = settings.threads > 0 ? size_t(settings.threads)
                                              : std::max<size_t>(1, std::thread::hardware_concurrency());
  const auto start = std::chrono::steady_clock::now();
  TokenizedDocuments encoded = encode_all(documents, tokenizer, threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  TokenizedCorpus corpus;
  const auto held_out = held_out_documents(encoded.size(), settings.val_documents, settings.val_seed);
  for (size_t i = 0, h = 0; i < encoded.size(); ++i) {
    corpus.tokens += int64_t(encoded[i].size());
    const bool validation = h < held_out.size() && held_out[h] == i;
    h += validation;
    (validation ? corpus.validation : corpus.train).push_back(std::move(encoded[i]));
  }
  corpus.tokens_per_second = seconds > 0 ? double(corpus.tokens) / seconds : 0;
  spdlog::info("corpus: {} documents ({} held out), {} tokens, tokenized at {:.0f} tokens/s",
               corpus.train.size() + corpus.validation.size(), corpus.validation.size(), corpus.tokens,
               corpus.tokens_per_second);
  return corpus;
}

}  // namespace amem::pretrain
