#include "amem/models/t5.h"

#include <cmath>

#include "amem/io/safetensors.h"
#include "amem/models/weight_loader.h"

namespace amem::models {

// ---- encoder alone

T5EncoderImpl::T5EncoderImpl(const T5Config& config) : config_(config) {
  shared = register_module("shared", torch::nn::Embedding(config.vocab_size, config.d_model));
  encoder = register_module("encoder", T5Stack(config, /*is_decoder=*/false));
}

torch::Tensor T5EncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& mask) {
  return encoder->encode(shared(input_ids), mask);
}

// ---- encoder-decoder

T5ForConditionalGenerationImpl::T5ForConditionalGenerationImpl(const T5Config& config)
    : config_(config) {
  shared = register_module("shared", torch::nn::Embedding(config.vocab_size, config.d_model));
  encoder = register_module("encoder", T5Stack(config, /*is_decoder=*/false));
  decoder = register_module("decoder", T5Stack(config, /*is_decoder=*/true));
  if (!config.tie_word_embeddings)
    lm_head = register_module(
        "lm_head",
        torch::nn::Linear(torch::nn::LinearOptions(config.d_model, config.vocab_size).bias(false)));
}

torch::Tensor T5ForConditionalGenerationImpl::encode(const torch::Tensor& input_ids,
                                                     const torch::Tensor& mask) {
  return encoder->encode(shared(input_ids), mask);
}

torch::Tensor T5ForConditionalGenerationImpl::decode(const torch::Tensor& decoder_input_ids,
                                                     const torch::Tensor& encoder_hidden,
                                                     const torch::Tensor& encoder_mask,
                                                     T5DecoderCache* cache) {
  return decoder->decode(shared(decoder_input_ids), encoder_hidden, encoder_mask, cache);
}

torch::Tensor T5ForConditionalGenerationImpl::decode_embeds(const torch::Tensor& inputs_embeds,
                                                            const torch::Tensor& encoder_hidden,
                                                            const torch::Tensor& encoder_mask,
                                                            T5DecoderCache* cache) {
  return decoder->decode(inputs_embeds, encoder_hidden, encoder_mask, cache);
}

torch::Tensor T5ForConditionalGenerationImpl::logits(const torch::Tensor& decoder_hidden) {
  // With tied embeddings the shared table's scale suits the input side; T5 rescales the
  // decoder output to match it on the output side.
  auto h = config_.scale_decoder_outputs
               ? decoder_hidden * std::pow(static_cast<double>(config_.d_model), -0.5)
               : decoder_hidden;
  return lm_head ? lm_head(h) : torch::matmul(h, shared->weight.t());
}

torch::Tensor T5ForConditionalGenerationImpl::forward(const torch::Tensor& input_ids,
                                                      const torch::Tensor& mask,
                                                      const torch::Tensor& decoder_input_ids) {
  return logits(decode(decoder_input_ids, encode(input_ids, mask), mask));
}

torch::Tensor T5ForConditionalGenerationImpl::greedy_generate(const torch::Tensor& input_ids,
                                                              const torch::Tensor& mask,
                                                              int64_t max_new_tokens) {
  torch::NoGradGuard no_grad;
  const auto encoder_hidden = encode(input_ids, mask);
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(input_ids.device());
  auto output = torch::full({input_ids.size(0), 1}, config_.decoder_start_token_id, long_opts);
  auto unfinished = torch::ones({input_ids.size(0), 1}, long_opts);
  T5DecoderCache cache;
  auto next_input = output;
  for (int64_t step = 0; step < max_new_tokens; ++step) {
    auto hidden = decode(next_input, encoder_hidden, mask, &cache);
    auto token = logits(hidden.select(1, -1)).argmax(-1, /*keepdim=*/true);
    token = token * unfinished + config_.pad_token_id * (1 - unfinished);
    output = torch::cat({output, token}, 1);
    unfinished = unfinished * (token != config_.eos_token_id).to(torch::kLong);
    if (unfinished.max().item<int64_t>() == 0) break;
    next_input = token;
  }
  return output;
}

// ---- loading

namespace {

// Tensors a T5 checkpoint may carry that no module takes: copies of the tied embedding table,
// and the unused cross-attention position table of the original T5 checkpoints.
std::vector<std::string> redundant_t5_tensors() {
  return {R"((encoder|decoder)\.embed_tokens\.weight)",
          R"(decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight)"};
}

template <typename Model>
void load_into(Model& model, const io::SafetensorsCheckpoint& checkpoint, WeightLoadOptions opts, bool trainable) {
  load_weights(*model, checkpoint, opts);
  for (auto& p : model->parameters()) p.set_requires_grad(trainable);
  model->train(trainable);
}

}  // namespace

T5ForConditionalGeneration load_t5(const std::string& dir, torch::ScalarType dtype,
                                   torch::Device device, bool trainable) {
  const T5Config config = read_t5_config(dir);
  const auto checkpoint = io::SafetensorsCheckpoint::open(dir);
  check_t5_shapes(config, dir, checkpoint, /*with_decoder=*/true);
  T5ForConditionalGeneration model(config);
  WeightLoadOptions opts;
  opts.ignore_unexpected = redundant_t5_tensors();
  // Some tied checkpoints still store the output projection; it equals `shared`.
  if (config.tie_word_embeddings) opts.ignore_unexpected.push_back(R"(lm_head\.weight)");
  opts.dtype = dtype;
  opts.device = device;
  load_into(model, checkpoint, opts, trainable);
  return model;
}

T5Encoder load_t5_encoder(const std::string& dir, torch::ScalarType dtype, torch::Device device,
                          bool trainable) {
  const T5Config config = read_t5_config(dir);
  const auto checkpoint = io::SafetensorsCheckpoint::open(dir);
  check_t5_shapes(config, dir, checkpoint, /*with_decoder=*/false);
  T5Encoder model(config);
  WeightLoadOptions opts;
  opts.ignore_unexpected = redundant_t5_tensors();
  opts.ignore_unexpected.push_back(R"(decoder\..*)");
  opts.ignore_unexpected.push_back(R"(lm_head\.weight)");
  opts.dtype = dtype;
  opts.device = device;
  load_into(model, checkpoint, opts, trainable);
  return model;
}

}  // namespace amem::models
