#include "amem/methods/mac/mac_networks.h"

#include "amem/layers/rms_norm.h"

namespace amem::methods {

MacNetworksImpl::MacNetworksImpl(const MacSettings& s, models::T5ForConditionalGeneration amortizer_t5,
                                 models::T5ForConditionalGeneration question_t5, const models::CausalLmShape& lm) {
  const int64_t tokens = s.num_virtual_tokens, width = lm.hidden_size;
  const bool masks = s.decoder_masks_padding;
  amortizer = register_module("amortizer", models::AmortizationNetwork(amortizer_t5, tokens, width, masks));
  amortizer->t5->encoder->set_activation_checkpointing(s.checkpoint_amortizer_encoder);
  aggregator = register_module(
      "aggregator", memory::AggregationNetwork(models::AmortizationNetwork(question_t5, tokens, width, masks),
                                               memory::AggregationOptions{s.num_cross_attention_blocks,
                                                                          s.cross_attention_heads,
                                                                          s.cross_attention_head_dim, s.dropout}));
  to_prefix = register_module(
      "to_prefix", memory::ModulationToPrefix(memory::ModulationToPrefixOptions{
                       tokens, width, s.layer_num_virtual_tokens, s.prefix_mlp_hidden, lm}));
  // The T5s' norms (the amortizer's and the question encoder's), as mac.fused_rms_norm says.
  layers::set_fused_rms_norm(*this, s.fused_rms_norm);
}

}  // namespace amem::methods
