// MAC's amortization network: a T5 encoder-decoder that reads a text and writes a fixed number
// of vectors about it. The encoder reads the text; the decoder is fed learned query vectors
// instead of tokens and cross-attends to the encoder; each query's output passes through its
// own MLP (layers::TokenMlpBank, tanh) into the width the caller needs.
//
// MAC uses it twice with separate weights: on documents (the context modulation stored in the
// memory bank) and on questions (the query tokens of the aggregation network).
#pragma once

#include <torch/torch.h>

#include "amem/layers/token_mlp_bank.h"
#include "amem/models/t5.h"

namespace amem::models {

class AmortizationNetworkImpl : public torch::nn::Module {
 public:
  // `t5` becomes a submodule and is trained with the rest; its output layer, which this
  // network never uses, is dropped. The queries start as N(0, 0.02²). decoder_masks_padding:
  // see forward.
  AmortizationNetworkImpl(T5ForConditionalGeneration t5, int64_t num_tokens, int64_t output_dim,
                          bool decoder_masks_padding = true);

  // ids, mask: [B, L] T5 tokens (mask 1 for tokens, 0 for padding) -> [B, num_tokens, output_dim].
  // The encoder always masks padding. With decoder_masks_padding the decoder does too, so a
  // text's output does not depend on its batch; without it the decoder also reads the
  // encodings of the padding, as the reference does (M:models/t5_wrapper.py:40-43 passes no
  // encoder_attention_mask), and the output depends on how far the text is padded.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask);

  int64_t num_tokens() const { return queries.size(1); }

  T5ForConditionalGeneration t5{nullptr};
  torch::Tensor queries;  // [1, num_tokens, d_model]
  layers::TokenMlpBank token_mlps{nullptr};

 private:
  bool decoder_masks_padding_;
};
TORCH_MODULE(AmortizationNetwork);

}  // namespace amem::models
