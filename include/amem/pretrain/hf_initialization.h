// The initialisation transformers gives a model built from a config (PreTrainedModel's
// _init_weights), so that a model pre-trained here starts where one pre-trained with
// transformers would. Draws come from torch's global generator (seeded by run.seed).
#pragma once

#include "amem/models/gpt2.h"
#include "amem/models/llama.h"

namespace amem::pretrain {

// GPT2PreTrainedModel._init_weights (transformers src/transformers/models/gpt2/modeling_gpt2.py,
// e.g. at commit c44b2d99; unchanged in transformers 5, where it uses init.normal_): Conv1D and
// embedding weights ~ N(0, range), biases 0, LayerNorm weight 1 and bias 0, then the two
// residual projections of each block (attn.c_proj, mlp.c_proj) ~ N(0, range / sqrt(2 n_layer)),
// GPT-2 paper's scaled initialisation. The output layer is wte (tied).
void initialize_gpt2(models::Gpt2LmHeadModel& model, double initializer_range);

// LlamaPreTrainedModel._init_weights (transformers src/transformers/models/llama/modeling_llama.py;
// transformers 5 does the same in PreTrainedModel._init_weights): linear and embedding weights
// ~ N(0, range), biases 0, RMSNorm weights 1. (The padding row is zeroed there only when
// pad_token_id is set, which a config made here never sets.)
void initialize_llama(models::LlamaForCausalLm& model, double initializer_range);

}  // namespace amem::pretrain
