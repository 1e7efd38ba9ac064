// The order in which documents reach the model during online adaptation, built as the
// reference builds it: the groups (SQuAD article titles, ArchivalQA doc_ids; every
// StreamingQA document is its own group) are shuffled, each group's documents stay together
// in their file order, and the first `downsample_to` documents of that order form the stream.
// With `downsample_unit` rows, the stream instead keeps its first `downsample_to` questions
// (rows, in the reference's terms): whole documents in stream order and then, from the document
// where the count runs out, its first questions only.
//
// Without the shuffle the stream is the file: documents in order of their first row, each with
// its questions in file order. The first N rows of the stream are then the file's first N rows
// wherever each document's rows are adjacent in the file (SQuAD, ArchivalQA, and StreamingQA,
// whose documents have one row each); a document whose rows are scattered is asked all of its
// first questions at its first row's place.
//
// The shuffle is a seeded Fisher-Yates over the groups in order of first appearance (see
// seeded_shuffle.h), so a seed names the same stream on every machine. It is not numpy's
// shuffle: the streams differ from the reference's for the same seed number, not in kind.
// Where the reference samples StreamingQA rows, this samples documents; the two agree when
// each document has one question, as in StreamingQA.
#pragma once

#include <cstdint>

#include "amem/data/qa_dataset.h"

namespace amem::data {

enum class DownsampleUnit { documents, rows };

struct StreamOptions {
  bool shuffle = true;
  uint64_t seed = 0;
  int64_t downsample_to = -1;  // keep this many documents or rows; -1 (or any value <= 0): all
  DownsampleUnit downsample_unit = DownsampleUnit::documents;
};

// A copy of `dataset` whose documents are in stream order (its report is kept).
QADataset make_stream(const QADataset& dataset, const StreamOptions& options);

}  // namespace amem::data
