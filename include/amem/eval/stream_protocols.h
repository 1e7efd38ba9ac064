// The analyses of CMT (Li et al., AAAI 2025, arXiv 2412.07393, its retention and distractor
// figures) as options of the online evaluation, for any adapter (eval.retention.*,
// eval.distractors.*; configs/README.md).
//
// Retention: after every `every` documents of the stream, once at least the first
// `first_documents` have been absorbed, the questions of those first documents are answered
// again by the adapter as it stands (MAC from the bank built so far, fine-tuning from the
// current weights; Adapter::answer has no other state) and scored. The stream's last point is
// the run's final answers to those questions, i.e. after Adapter::finish_stream (a QA
// light-tune, where configured, is part of the last point only). For a fine-tuning adapter the
// curve measures forgetting; for a memory it measures how retrieval holds up as the bank grows.
//
// Distractors: for each fraction f, a fresh adapter takes in the stream with round(f × stream
// documents) irrelevant documents inserted, and answers the stream's questions (never the
// distractors', which are dropped). Distractors come from another file or split
// (eval.distractors.path), less any document whose text is in the stream, in a seeded order;
// each is given a seeded slot among the stream's documents once, so a larger fraction's stream
// holds a smaller one's distractors at the same places, and fraction 0 is the plain stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amem/data/qa_dataset.h"
#include "amem/data/qa_dataset_reader.h"

namespace amem::eval {

class Adapter;

// Means over a set of questions, percent (online_eval.h).
struct Scores {
  double exact_match = 0, f1 = 0, reference_exact_match = 0, reference_f1 = 0;
};

struct RetentionSettings {
  int64_t every = 0;            // eval.retention.every: documents between two points
  int64_t first_documents = 0;  // eval.retention.first_documents: N
  std::string where;            // "<source>: eval.retention.first_documents", for errors

  // ConfigError (one line, naming the key) when the stream has fewer than first_documents.
  void check(size_t stream_documents) const;
};

struct RetentionPoint {
  size_t documents_seen = 0;
  bool after_finish_stream = false;  // the stream's last point: the run's final answers
  Scores scores;
};

struct RetentionCurve {
  RetentionSettings settings;
  size_t questions = 0;  // asked of the first documents
  std::vector<RetentionPoint> points;  // by documents_seen
};

struct DistractorSettings {
  std::vector<double> fractions;  // eval.distractors.fractions, in the order given
  data::DatasetSource source;     // eval.distractors.path (.format, .rows)
  uint64_t seed = 0;              // eval.distractors.seed
  std::string where;              // "<source>: eval.distractors.fractions", for errors
};

// The distractor documents of one stream, in their seeded order and with their seeded slots.
class DistractorPool {
 public:
  // `candidates`: the source file's documents; those whose text is in `stream` are left out and
  // the questions of the rest dropped. ConfigError (one line) when the largest fraction needs more
  // documents than are left.
  DistractorPool(const data::QADataset& candidates, const data::QADataset& stream, const DistractorSettings& settings);

  // Distractor documents that `fraction` inserts: round(fraction × stream documents).
  size_t count(double fraction) const;
  // The stream with the first count(fraction) distractors of the pool in their slots.
  data::QADataset stream_with(double fraction) const;
  size_t size() const { return documents_.size(); }

 private:
  const data::QADataset& stream_;
  std::vector<data::Document> documents_;  // seeded order
  std::vector<uint64_t> slots_;            // per distractor: inserted before stream document slot (n: at the end)
};

struct DistractorPoint {
  double fraction = 0;
  size_t distractor_documents = 0;
  Scores scores;
};

struct DistractorCurve {
  std::string source;  // the distractor file
  uint64_t seed = 0;
  size_t pool_documents = 0;
  std::vector<DistractorPoint> points;  // in the order of the fractions
};

}  // namespace amem::eval
