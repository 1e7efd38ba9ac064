// The pre-training corpus as token ids: the documents of pretrain.text_paths (in the order the
// files are listed, cut to pretrain.max_documents), a seeded slice of them held out for
// validation, each document encoded by the tokenizer alone (text::Tokenizer::encode: no BOS or
// EOS added; each objective adds the special tokens its layout needs).
#pragma once

#include <cstdint>
#include <vector>

#include "amem/pretrain/pretrain_settings.h"
#include "amem/text/tokenizer.h"

namespace amem::pretrain {

using TokenizedDocuments = std::vector<std::vector<int64_t>>;

struct TokenizedCorpus {
  TokenizedDocuments train;       // in corpus order, the held-out documents removed
  TokenizedDocuments validation;  // in corpus order
  int64_t tokens = 0;             // train + validation
  double tokens_per_second = 0;   // tokenization throughput (wall clock)
};

// Which of `documents` documents are held out: `val_documents` distinct indices drawn by a
// seeded shuffle (data/seeded_shuffle.h) of all of them with `val_seed`, returned sorted.
// amem::ConfigError naming pretrain.val_documents when it leaves no training document.
std::vector<size_t> held_out_documents(size_t documents, int64_t val_documents, uint64_t val_seed);

// Reads, splits and tokenizes (on settings.threads threads, over documents), and logs the
// counts and the tokenization speed. Errors: those of read_text_documents, and
// amem::ConfigError naming pretrain.text_paths and the file when a file holds no document.
TokenizedCorpus tokenize_corpus(const PretrainSettings& settings, const text::Tokenizer& tokenizer);

}  // namespace amem::pretrain
