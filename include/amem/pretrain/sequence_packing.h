// Packing documents into fixed-length sequences for language-model pre-training, as GPT-2-style
// pre-training does (and transformers' run_clm.py group_texts, which concatenates and cuts
// without padding): every document is followed by EOS, the documents are concatenated in
// order, and the stream is cut into consecutive sequences of `length` tokens; the last partial
// sequence is dropped, so no position is padding. A document may span two sequences.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace amem::pretrain {

// documents -> [N, length] int64, N = floor(sum(|doc| + 1) / length) (0 rows when the text
// is shorter than one sequence).
torch::Tensor pack_sequences(const std::vector<std::vector<int64_t>>& documents, int64_t eos_id, int64_t length);

}  // namespace amem::pretrain
