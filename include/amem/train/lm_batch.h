// Tokenised, padded batches for the losses the methods train with.
//
// A QA example is laid out as the reference code of MAC and CaMeLS lays it out: the question's
// tokens (with the checkpoint's BOS convention, as when answering), then the tokens of
// " " + answer, then EOS; the labels are -100 on the question, so the loss is the answer's
// alone, and the EOS teaches the model to stop. Batches are right-padded (label -100, mask 0):
// positions then count from 0 on every row, as in training the reference.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"

namespace amem::text {
class Tokenizer;
}

namespace amem::train {

struct LmBatch {
  torch::Tensor input_ids;       // [B, L] int64
  torch::Tensor attention_mask;  // [B, L] int64, 1 on real tokens
  torch::Tensor labels;          // [B, L] int64, -100 where no loss is taken

  int64_t tokens() const;  // real tokens (mask sum)
  LmBatch to(const torch::Device& device) const;
};

// Answer-only QA batch of the questions' `target` answers. An example longer than `max_tokens`
// loses the start of its question after any BOS (Tokenizer::keep_last, as the answerer cuts
// prompts; the answer is what is learned); an answer that alone does not fit is cut at its
// end. Throws amem::Error if the tokenizer has no EOS token.
LmBatch qa_batch(const text::Tokenizer& tokenizer, const std::vector<const data::Question*>& questions,
                 int64_t max_tokens);

// Language-modelling batch of whole texts (documents), each cut to its first `max_tokens` tokens.
LmBatch text_batch(const text::Tokenizer& tokenizer, const std::vector<std::string>& texts, int64_t max_tokens);

}  // namespace amem::train
