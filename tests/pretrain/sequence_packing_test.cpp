// Packing documents for causal-LM pre-training, worked by hand: EOS after every document,
// consecutive cuts of the stream, the partial tail dropped; and the seeded validation split.
#include "amem/pretrain/sequence_packing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "amem/core/error.h"
#include "amem/pretrain/tokenized_corpus.h"

using amem::pretrain::held_out_documents;
using amem::pretrain::pack_sequences;

namespace {

std::vector<std::vector<int64_t>> rows_of(const torch::Tensor& packed) {
  std::vector<std::vector<int64_t>> rows;
  for (int64_t r = 0; r < packed.size(0); ++r) {
    const auto row = packed[r].contiguous();
    rows.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  return rows;
}

const std::vector<std::vector<int64_t>> kDocuments = {{1, 2, 3}, {4}, {5, 6}};  // stream: 1 2 3 9 4 9 5 6 9

}  // namespace

TEST(SequencePacking, EosAfterEveryDocumentThenFixedCuts) {
  using Rows = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(rows_of(pack_sequences(kDocuments, 9, 3)), (Rows{{1, 2, 3}, {9, 4, 9}, {5, 6, 9}}));
  // 9 tokens in sequences of 4: two, the ninth token (the last EOS) dropped; document 3 spans both.
  EXPECT_EQ(rows_of(pack_sequences(kDocuments, 9, 4)), (Rows{{1, 2, 3, 9}, {4, 9, 5, 6}}));
  const auto packed = pack_sequences(kDocuments, 9, 4);
  EXPECT_EQ(packed.scalar_type(), torch::kInt64);
  EXPECT_EQ(packed.sizes(), (std::vector<int64_t>{2, 4}));
  // Shorter than one sequence: no rows (the task refuses that, naming the key).
  EXPECT_EQ(pack_sequences(kDocuments, 9, 10).size(0), 0);
  EXPECT_EQ(pack_sequences({}, 9, 2).size(0), 0);
}

TEST(SequencePacking, ValidationDocumentsAreASeededSortedSlice) {
  const auto held = held_out_documents(100, 7, 0);
  ASSERT_EQ(held.size(), 7u);
  EXPECT_TRUE(std::is_sorted(held.begin(), held.end()));
  EXPECT_EQ(std::set<size_t>(held.begin(), held.end()).size(), 7u);
  EXPECT_LT(held.back(), 100u);
  EXPECT_EQ(held_out_documents(100, 7, 0), held);     // the seed alone decides
  EXPECT_NE(held_out_documents(100, 7, 1), held);     // another seed, another slice
  EXPECT_NE(held, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6}));  // not the first documents
  EXPECT_EQ(held_out_documents(3, 2, 5).size(), 2u);
  EXPECT_THROW(held_out_documents(3, 3, 0), amem::ConfigError);  // nothing left to train on
}
