// Importing a MAC model trained with the reference code (github.com/jihoontack/MAC).
//
// The reference saves `torch.save(dict(state_dict=model.state_dict()), path)` with torch 2.1
// (M:models/amortized_encdec.py:271-294): a zip archive whose pickle is a dict with one key,
// 'state_dict', an OrderedDict of fp32 tensors saved on the training GPU. Its names and layout
// differ from amem's MacNetworks; docs/reference_protocol.md §16.2 is the key-by-key mapping:
//   enc_decoder.*                     -> amortizer.t5.* (same T5 names), learnable_prompts -> queries
//   mlps.{i}.{mlp.0,mlp.1,mlp.3,skip} -> amortizer.token_mlps.* (stacked over i, Linear weights transposed)
//   aggregator.question_encoder.*     -> aggregator.question_encoder.t5.* / queries
//   aggregator.mlps.{i}.*             -> aggregator.question_encoder.token_mlps.*
//   aggregator.cross_attention_list.{k}.{norm1,norm_context,attn.to_q/k/v,attn.to_out.0,norm2,mlp.net.0,mlp.net.3}
//                                     -> aggregator.blocks.{k}.{norm_query,norm_memory,to_q/k/v,to_out,norm_mlp,mlp_in,mlp_out}
//   token_SA.mlp_layers.{j}.net.{0,1,4} -> to_prefix.token_mlps.* (stacked over j; identity skip)
// The tied T5 embeddings also appear as {encoder,decoder}.embed_tokens.weight; those copies are
// checked equal to `shared` and dropped.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "amem/methods/mac/mac_networks.h"

namespace amem::methods {

// A state dict in its file's order: name -> CPU tensor.
using ReferenceStateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// Reads a reference checkpoint (torch.save zip archive, any saved device mapped to the CPU;
// io/torch_save.h).
// Throws amem::Error naming `path` when it is not such an archive, its pickle is not a dict with
// a 'state_dict' of named tensors, or it holds bitsandbytes-quantized (nf4/int8) weights, which
// the reference writes for LLaMA runs and amem cannot import.
ReferenceStateDict read_reference_checkpoint(const std::string& path);

// Copies `state` into `networks` with the mapping above. Every amem parameter must be filled:
// a missing key, a key of the wrong shape, an untied duplicate embedding or a key that maps to
// nothing throws amem::Error (one line: `source`, the reference key, the expected shape).
// Nothing is copied unless every key checks.
void import_reference_state_dict(MacNetworksImpl& networks, const ReferenceStateDict& state, const std::string& source);

}  // namespace amem::methods
