// T5 (v1.0, v1.1, FLAN-T5) as Hugging Face's T5EncoderModel and T5ForConditionalGeneration,
// loaded from their `save_pretrained` folders.
//
// MAC uses T5 twice: the encoder alone encodes questions, and the full model's decoder reads
// the encoded document while being fed learned query vectors instead of tokens
// (T5ForConditionalGenerationImpl::decode_embeds); the amortised output is its last hidden state.
#pragma once

#include <torch/torch.h>

#include <string>

#include "amem/models/t5_config.h"
#include "amem/models/t5_stack.h"

namespace amem::models {

// `shared` token embeddings and the `encoder` stack; what T5EncoderModel holds.
class T5EncoderImpl : public torch::nn::Module {
 public:
  explicit T5EncoderImpl(const T5Config& config);

  // input_ids, mask: [B, L] (mask 1 for tokens, 0 for padding) -> [B, L, d_model].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& mask);

  const T5Config& config() const { return config_; }

  torch::nn::Embedding shared{nullptr};
  T5Stack encoder{nullptr};

 private:
  T5Config config_;
};
TORCH_MODULE(T5Encoder);

class T5ForConditionalGenerationImpl : public torch::nn::Module {
 public:
  explicit T5ForConditionalGenerationImpl(const T5Config& config);

  // input_ids, mask: [B, L] -> encoder output [B, L, d_model].
  torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& mask);

  // Decoder final hidden states [B, Ld, d_model] for decoder token ids [B, Ld] (or, in
  // decode_embeds, for input vectors [B, Ld, d_model]) placed after the positions in `cache`.
  torch::Tensor decode(const torch::Tensor& decoder_input_ids, const torch::Tensor& encoder_hidden,
                       const torch::Tensor& encoder_mask, T5DecoderCache* cache = nullptr);
  torch::Tensor decode_embeds(const torch::Tensor& inputs_embeds,
                              const torch::Tensor& encoder_hidden,
                              const torch::Tensor& encoder_mask, T5DecoderCache* cache = nullptr);

  // Decoder hidden states -> vocabulary logits [..., vocab_size].
  torch::Tensor logits(const torch::Tensor& decoder_hidden);

  // Teacher-forced logits [B, Ld, vocab_size].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& mask,
                        const torch::Tensor& decoder_input_ids);

  // Greedy decoding as transformers' generate(do_sample=False): starts from
  // decoder_start_token_id, stops a row at eos_token_id (later positions get pad_token_id) and
  // stops early once every row has. Returns [B, 1 + steps], the start token included.
  torch::Tensor greedy_generate(const torch::Tensor& input_ids, const torch::Tensor& mask,
                                int64_t max_new_tokens);

  const T5Config& config() const { return config_; }

  torch::nn::Embedding shared{nullptr};
  T5Stack encoder{nullptr};
  T5Stack decoder{nullptr};
  torch::nn::Linear lm_head{nullptr};  // only when the embeddings are not tied

 private:
  T5Config config_;
};
TORCH_MODULE(T5ForConditionalGeneration);

// Load from a save_pretrained folder (config.json + model.safetensors or shards) in `dtype` on
// `device`. `trainable` sets requires_grad on every parameter (and train mode); otherwise the
// parameters are frozen and the module is in eval mode.
T5ForConditionalGeneration load_t5(const std::string& dir, torch::ScalarType dtype,
                                   torch::Device device, bool trainable);

// The encoder alone, from a T5EncoderModel or a full T5ForConditionalGeneration checkpoint (its
// decoder and lm_head tensors are skipped).
T5Encoder load_t5_encoder(const std::string& dir, torch::ScalarType dtype, torch::Device device,
                          bool trainable);

}  // namespace amem::models
