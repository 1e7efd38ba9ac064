#include "amem/models/load_causal_lm.h"

#include "amem/io/safetensors.h"
#include "amem/layers/skip_init.h"
#include "amem/models/gpt2.h"
#include "amem/models/hf_config.h"
#include "amem/models/llama.h"
#include "amem/models/weight_loader.h"

namespace amem::models {

namespace {

bool is_llama_family(const std::string& model_type) {
  return model_type == "llama" || model_type == "qwen2" || model_type == "mistral";
}

[[noreturn]] void unsupported(const HfConfig& config, const std::string& model_type) {
  config.fail("model_type", "'" + model_type + "' is not a supported causal LM (expected gpt2, llama, qwen2 or mistral)");
}

}  // namespace

CausalLmShape read_causal_lm_shape(const std::string& dir) {
  const auto config = HfConfig::read(dir);
  const auto checkpoint = io::SafetensorsCheckpoint::open(dir);
  const std::string model_type = config.string("model_type");
  if (model_type == "gpt2") {
    const auto gpt2 = Gpt2Config::from(config);
    gpt2.check_shapes(config, checkpoint);
    return gpt2.shape();
  }
  if (is_llama_family(model_type)) {
    const auto llama = LlamaConfig::from(config);
    llama.check_shapes(config, checkpoint);
    return llama.shape();
  }
  unsupported(config, model_type);
}

std::shared_ptr<CausalLm> load_causal_lm(const std::string& dir, const LoadOptions& options) {
  const auto config = HfConfig::read(dir);
  const auto checkpoint = io::SafetensorsCheckpoint::open(dir);
  const std::string model_type = config.string("model_type");
  std::shared_ptr<CausalLm> model;
  // Every parameter is overwritten from the checkpoint, so the modules are built with no
  // initialisation, in the target dtype and on the target device, and filled in place.
  const layers::SkipInitGuard skip_init(torch::TensorOptions(options.dtype).device(options.device));
  WeightLoadOptions weights;
  weights.dtype = options.dtype;
  weights.device = options.device;
  // Each family's sizes are checked against the checkpoint before its modules are allocated.
  if (model_type == "gpt2") {
    const auto gpt2 = Gpt2Config::from(config);
    gpt2.check_shapes(config, checkpoint);
    model = std::make_shared<Gpt2LmHeadModel>(gpt2);
    // GPT2LMHeadModel prefixes "transformer."; GPT2Model does not. The tied output layer and
    // the causal-mask buffers older checkpoints carry have no module of their own.
    weights.prefixes = {model->checkpoint_prefix(), ""};
    weights.ignore_unexpected = {R"(lm_head\.weight)", R"((transformer\.)?h\.\d+\.attn\.(masked_)?bias)"};
  } else if (is_llama_family(model_type)) {
    const auto llama = LlamaConfig::from(config);
    llama.check_shapes(config, checkpoint);
    model = std::make_shared<LlamaForCausalLm>(llama);
    if (llama.tie_word_embeddings) weights.ignore_unexpected = {R"(lm_head\.weight)"};
    weights.ignore_unexpected.push_back(R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)");
  } else {
    unsupported(config, model_type);
  }
  for (auto& p : model->parameters()) p.set_requires_grad(options.trainable);
  model->set_vocab_pad_multiple(options.vocab_pad_multiple);
  load_weights(*model, checkpoint, weights);
  model->eval();
  return model;
}

}  // namespace amem::models
