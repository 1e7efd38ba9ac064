// MAC's aggregation network: fuses a memory of amortized contexts into one modulation for a
// question.
//
// The question is read by its own amortization network (a second T5, which may be smaller than
// the documents' one) into num_tokens query tokens of the base LM's width; a stack of
// cross-attention blocks then lets those tokens read the memory, every entry's tokens side by
// side. The tokens after the last block are the question's modulation [num_tokens, d].
//
// A memory bank is [N, num_tokens, d] (one entry per document). In training every question
// reads the whole batch of documents as one shared bank (the reference does the same).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "amem/layers/cross_attention_block.h"
#include "amem/models/amortization_network.h"

namespace amem::memory {

struct AggregationOptions {
  int64_t num_blocks = 4;
  int64_t heads = 8;
  int64_t head_dim = 96;
  double dropout = 0.0;
};

class AggregationNetworkImpl : public torch::nn::Module {
 public:
  // The blocks' width is question_encoder's output width (the base LM's hidden size).
  AggregationNetworkImpl(models::AmortizationNetwork question_encoder, const AggregationOptions& options);

  // T5 question tokens [B, L] -> the query tokens [B, num_tokens, d].
  torch::Tensor encode_questions(const torch::Tensor& ids, const torch::Tensor& mask);

  // queries [B, Q, d] read `memory` [Bm, N, T, d] (Bm = 1: one bank for all questions, or
  // Bm = B: a bank per row) -> [B, Q, d]. Q is a question's T tokens; since the blocks never
  // attend among query tokens (each reads the memory on its own), the tokens of several
  // questions may also share a row (hierarchical_aggregation.cpp does).
  torch::Tensor attend(const torch::Tensor& queries, const torch::Tensor& memory);

  // encode_questions then attend to the shared bank [N, T, d].
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& bank);

  models::AmortizationNetwork question_encoder{nullptr};
  std::vector<layers::CrossAttentionBlock> blocks;
};
TORCH_MODULE(AggregationNetwork);

}  // namespace amem::memory
