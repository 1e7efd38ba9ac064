#include "amem/pretrain/causal_lm_pretraining.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "amem/core/error.h"
#include "amem/io/atomic_file.h"
#include "amem/models/causal_lm.h"
#include "amem/models/save_causal_lm.h"
#include "amem/pretrain/causal_lm_architecture.h"
#include "amem/pretrain/pretraining_device.h"
#include "amem/pretrain/sequence_packing.h"
#include "amem/pretrain/tokenized_corpus.h"
#include "amem/text/byte_level_bpe.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_loss.h"

namespace amem::pretrain {

namespace fs = std::filesystem;

CausalLmPretraining::CausalLmPretraining(const config::Config& config)
    : settings_(PretrainSettings::from(config)),
      tokenizer_(text::load_tokenizer(settings_.tokenizer)),
      config_json_(causal_lm_config(settings_.architecture, *tokenizer_)),
      batch_size_(config.get<int64_t>("train.batch_size")) {
  const torch::Device device = pretraining_device(config);
  model_ = build_causal_lm(config_json_);
  model_->set_vocab_pad_multiple(config.get<int64_t>("model.vocab_pad_multiple"));
  const int64_t context = model_->shape().max_positions;
  if (settings_.sequence_length > context)
    throw ConfigError(config.source_of("pretrain.sequence_length") + ": pretrain.sequence_length: " +
                      std::to_string(settings_.sequence_length) + " is beyond the model's context of " +
                      std::to_string(context) + " positions");
  const auto corpus = tokenize_corpus(settings_, *tokenizer_);
  const int64_t eos = *tokenizer_->special().eos;  // causal_lm_config checked it
  train_ = pack_sequences(corpus.train, eos, settings_.sequence_length);
  val_ = pack_sequences(corpus.validation, eos, settings_.sequence_length);
  for (const auto& [rows, what] : {std::pair{train_.size(0), "training"}, std::pair{val_.size(0), "validation"}})
    if (rows == 0)
      throw ConfigError(std::string("pretrain.sequence_length: the ") + what + " text is shorter than one sequence of " +
                        std::to_string(settings_.sequence_length) +
                        " tokens (lower it, or raise pretrain.max_documents / pretrain.val_documents)");
  spdlog::info("packed: {} training and {} validation sequences of {} tokens", train_.size(0), val_.size(0),
               settings_.sequence_length);
  sampler_.emplace(size_t(train_.size(0)), size_t(batch_size_), uint64_t(config.get<int64_t>("run.seed")));
  model_->to(device);
}

CausalLmPretraining::~CausalLmPretraining() = default;

train::NamedTensors CausalLmPretraining::trainable() {
  train::NamedTensors out;
  for (const auto& item : model_->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

torch::Device CausalLmPretraining::device() const { return model_->parameters().front().device(); }

train::StepOutput CausalLmPretraining::compute_loss() {
  model_->train();
  const auto rows = sampler_->next();
  const auto index = torch::tensor(std::vector<int64_t>(rows.begin(), rows.end()), torch::kInt64);
  const auto ids = train_.index_select(0, index).to(device());
  // Every position is a real token: no mask, positions 0..L-1 on every row.
  const auto logits = model_->forward(ids, {}, {}, nullptr);
  return {train::lm_loss(logits, ids), {}, ids.numel()};
}

train::Metrics CausalLmPretraining::validate(const fs::path&) {
  model_->eval();
  // Data-parallel: each rank computes its share of the batches; the sums run over all of them in
  // batch order, as in one process.
  const auto& shards = validation_shards();
  const int64_t batches = (val_.size(0) + batch_size_ - 1) / batch_size_;
  std::vector<std::string> mine;  // per batch of this rank's: {loss sum, tokens predicted}
  for (int64_t b = 0; b < batches; ++b) {
    if (!shards.mine(size_t(b))) continue;
    const int64_t start = b * batch_size_;
    const auto ids = val_.narrow(0, start, std::min(batch_size_, val_.size(0) - start)).to(device());
    const auto losses = train::lm_token_losses(model_->forward(ids, {}, {}, nullptr), ids);
    mine.push_back(distributed::pack_values({losses.sum().item<double>(), double(losses.numel())}));
  }
  double loss_sum = 0;
  int64_t predicted = 0;
  for (const auto& blob : shards.gather(size_t(batches), mine, "the validation loss")) {
    const auto values = distributed::unpack_values(blob);
    loss_sum += values.at(0);
    predicted += int64_t(values.at(1));
  }
  const double loss = loss_sum / double(predicted);
  return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"tokens", double(predicted)}};
}

void CausalLmPretraining::save_model(const fs::path& dir) {
  models::save_causal_lm(*model_, config_json_, settings_.tokenizer, dir.string());
  // What save_pretrained writes for a model made from a config (its special ids), in place of
  // any generation_config.json the tokenizer folder held for another model.
  const nlohmann::json generation = {{"_from_model_config", true},
                                     {"bos_token_id", config_json_["bos_token_id"]},
                                     {"eos_token_id", config_json_["eos_token_id"]}};
  io::write_file_atomic((dir / "generation_config.json").string(), generation.dump(2) + "\n");
  // A byte-level BPE folder of bare vocab.json + merges.txt names no special tokens; GPT-2's
  // tokenizer_config.json names <|endoftext|> as each, so that transformers' AutoTokenizer and
  // load_tokenizer agree on them.
  const bool bare_bpe = dynamic_cast<const text::ByteLevelBpe*>(tokenizer_.get()) &&
                        !fs::exists(dir / "tokenizer_config.json") && !fs::exists(dir / "tokenizer.json");
  if (bare_bpe) {
    const std::string eos = tokenizer_->id_to_piece(*tokenizer_->special().eos);
    const nlohmann::json tokenizer_config = {{"tokenizer_class", "GPT2Tokenizer"},
                                             {"bos_token", eos},
                                             {"eos_token", eos},
                                             {"unk_token", eos},
                                             {"add_prefix_space", false},
                                             {"model_max_length", model_->shape().max_positions}};
    io::write_file_atomic((dir / "tokenizer_config.json").string(), tokenizer_config.dump(2) + "\n");
  }
}

}  // namespace amem::pretrain
