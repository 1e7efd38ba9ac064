// The initialisation of a new T5, as transformers' T5PreTrainedModel._init_weights (after Mesh
// TensorFlow's): normal weights whose standard deviations make T5's unscaled attention and
// residual stream start at unit scale. With f = config.initializer_factor:
//   shared (and an untied lm_head)        N(0, f)
//   DenseReluDense.wi / wi_0 / wi_1       N(0, f * d_model^-0.5)
//   DenseReluDense.wo                     N(0, f * d_ff^-0.5)
//   attention q                           N(0, f * (d_model * d_kv)^-0.5)   (absorbs 1/sqrt(d_kv))
//   attention k, v                        N(0, f * d_model^-0.5)
//   attention o                           N(0, f * (num_heads * d_kv)^-0.5)
//   relative_attention_bias               N(0, f * d_model^-0.5)
//   every layer_norm / final_layer_norm   f
// Source: transformers 5.17 src/transformers/models/t5/modeling_t5.py:562-616,
// T5PreTrainedModel._init_weights (the T5LayerNorm, T5ForConditionalGeneration, T5DenseActDense,
// T5DenseGatedActDense and T5Attention branches).
#pragma once

#include "amem/models/t5.h"

namespace amem::models {

// Draws every parameter of `model` from torch's default generator (seed it first), in the
// order of named_parameters(). A parameter none of the rules above names is a std::logic_error,
// so that a module added to T5 later cannot keep LibTorch's default initialisation unnoticed.
void init_t5_weights(T5ForConditionalGenerationImpl& model);

}  // namespace amem::models
