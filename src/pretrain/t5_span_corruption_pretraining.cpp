#include "amem/pretrain/t5_span_corruption_pretraining.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/models/save_t5.h"
#include "amem/pretrain/pretraining_device.h"
#include "amem/pretrain/sequence_packing.h"
#include "amem/pretrain/t5_architecture.h"
#include "amem/pretrain/tokenized_corpus.h"

namespace amem::pretrain {

namespace fs = std::filesystem;

namespace {

// The lengths for pretrain.sequence_length, which must come out exactly: the model's inputs
// are never padded (as the reference's collator insists).
SpanCorruptionLengths checked_lengths(const config::Config& config, int64_t input_length,
                                      const SpanCorruptionShape& shape) {
  const auto lengths = span_corruption_lengths(input_length, shape);
  const std::string where = config.source_of("pretrain.sequence_length") + ": pretrain.sequence_length: ";
  if (lengths.inputs != input_length) {
    // The nearest lengths that do come out exactly, below (if any, from 2) and above.
    const auto exact = [&](int64_t n) { return span_corruption_lengths(n, shape).inputs == n; };
    int64_t below = input_length - 1, above = input_length + 1;
    while (below >= 2 && !exact(below)) --below;
    while (above < input_length + 1000 && !exact(above)) ++above;
    throw ConfigError(where + std::to_string(input_length) + " ids cannot be made exactly by span corruption at noise density " +
                      std::to_string(shape.noise_density) + " and mean span length " +
                      std::to_string(shape.mean_noise_span_length) + " (use " +
                      (below >= 2 ? std::to_string(below) + " or " : std::string()) + std::to_string(above) + ")");
  }
  if (lengths.noise_spans > kT5ExtraIds)
    throw ConfigError(where + std::to_string(input_length) + " ids have " + std::to_string(lengths.noise_spans) +
                      " noise spans, more than T5's " + std::to_string(kT5ExtraIds) + " sentinels");
  return lengths;
}

torch::Tensor to_tensor(const std::vector<std::vector<int64_t>>& rows) {
  const auto width = static_cast<int64_t>(rows.front().size());
  auto out = torch::empty({static_cast<int64_t>(rows.size()), width}, torch::kInt64);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy(rows[i].begin(), rows[i].end(), out[static_cast<int64_t>(i)].data_ptr<int64_t>());
  return out;
}

}  // namespace

SpanCorruptedBatch corrupt_batch(const torch::Tensor& chunks, const SpanCorruptionShape& shape,
                                 int64_t first_sentinel_id, int64_t eos_id, std::mt19937_64& rng) {
  const auto rows = chunks.contiguous();
  const int64_t length = rows.size(1);
  std::vector<std::vector<int64_t>> inputs, labels;
  for (int64_t r = 0; r < rows.size(0); ++r) {
    const int64_t* row = rows[r].data_ptr<int64_t>();
    const std::vector<int64_t> tokens(row, row + length);
    auto example = corrupt_spans(tokens, random_spans_noise_mask(length, shape, rng), first_sentinel_id, eos_id);
    inputs.push_back(std::move(example.inputs));
    labels.push_back(std::move(example.targets));
  }
  return {to_tensor(inputs), to_tensor(labels)};
}

torch::Tensor shift_right(const torch::Tensor& labels, int64_t decoder_start_token_id) {
  auto start = torch::full({labels.size(0), 1}, decoder_start_token_id, labels.options());
  return torch::cat({start, labels.narrow(1, 0, labels.size(1) - 1)}, 1);
}

T5SpanCorruptionPretraining::T5SpanCorruptionPretraining(const config::Config& config)
    : settings_(PretrainSettings::from(config)),
      shape_{config.get<double>("pretrain.noise_density"), config.get<double>("pretrain.mean_noise_span_length")},
      lengths_(checked_lengths(config, settings_.sequence_length, shape_)),
      tokenizer_(text::load_tokenizer(settings_.tokenizer)),
      rng_(uint64_t(config.get<int64_t>("run.seed"))),
      batch_size_(config.get<int64_t>("train.batch_size")) {
  const torch::Device device = pretraining_device(config);
  const auto config_json = t5_pretraining_config(settings_.architecture, *tokenizer_);
  model_ = build_t5(config_json);
  first_sentinel_id_ = t5_first_sentinel_id(tokenizer_->vocab_size());
  eos_id_ = *tokenizer_->special().eos;  // t5_pretraining_config checked it

  const auto corpus = tokenize_corpus(settings_, *tokenizer_);
  train_ = pack_sequences(corpus.train, eos_id_, lengths_.tokens);
  const auto val_chunks = pack_sequences(corpus.validation, eos_id_, lengths_.tokens);
  for (const auto& [rows, what] : {std::pair{train_.size(0), "training"}, std::pair{val_chunks.size(0), "validation"}})
    if (rows == 0)
      throw ConfigError(std::string("pretrain.sequence_length: the ") + what + " text is shorter than one chunk of " +
                        std::to_string(lengths_.tokens) + " tokens (the raw length of " +
                        std::to_string(settings_.sequence_length) +
                        " input ids; lower it, or raise pretrain.max_documents / pretrain.val_documents)");
  std::mt19937_64 validation_rng(settings_.val_seed);
  validation_ = corrupt_batch(val_chunks, shape_, first_sentinel_id_, eos_id_, validation_rng);
  spdlog::info("span corruption: {} training and {} validation chunks of {} tokens -> {} input and {} target ids",
               train_.size(0), val_chunks.size(0), lengths_.tokens, lengths_.inputs, lengths_.targets);
  sampler_.emplace(size_t(train_.size(0)), size_t(batch_size_), uint64_t(config.get<int64_t>("run.seed")));
  model_->to(device);
}

train::NamedTensors T5SpanCorruptionPretraining::trainable() {
  train::NamedTensors out;
  for (const auto& item : model_->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

torch::Device T5SpanCorruptionPretraining::device() const { return model_->parameters().front().device(); }

torch::Tensor T5SpanCorruptionPretraining::token_losses(const SpanCorruptedBatch& batch) {
  const auto input_ids = batch.input_ids.to(device());
  const auto labels = batch.labels.to(device());
  // No padding anywhere: every input id is attended to and every target id is predicted.
  const auto logits = model_->forward(input_ids, torch::ones_like(input_ids),
                                      shift_right(labels, model_->config().decoder_start_token_id));
  // In float32 under bf16 autocast too, as the reference's loss on upcast logits.
  return torch::nn::functional::cross_entropy(
      logits.to(torch::kFloat32).reshape({-1, logits.size(-1)}), labels.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
}

train::StepOutput T5SpanCorruptionPretraining::compute_loss() {
  model_->train();
  const auto rows = sampler_->next();
  const auto index = torch::tensor(std::vector<int64_t>(rows.begin(), rows.end()), torch::kInt64);
  const auto batch = corrupt_batch(train_.index_select(0, index), shape_, first_sentinel_id_, eos_id_, rng_);
  return {token_losses(batch).mean(), {}, batch.input_ids.numel() + batch.labels.numel()};
}

train::TaskState T5SpanCorruptionPretraining::state() const {
  std::ostringstream rng;
  rng << rng_;
  const nlohmann::json values = {{"sampler", sampler_->position()}, {"corruption_rng", rng.str()}};
  return {values, {}};
}

void T5SpanCorruptionPretraining::restore_state(const train::TaskState& state) {
  const auto& values = state.values;
  if (!values.is_object() || !values.contains("sampler") || !values.contains("corruption_rng") ||
      !values["corruption_rng"].is_string())
    throw Error("checkpoint task state: expected {\"sampler\", \"corruption_rng\"} of t5_span_corruption, got " +
                values.dump().substr(0, 200));
  sampler_->set_position(values["sampler"]);
  std::istringstream in(values["corruption_rng"].get<std::string>());
  std::mt19937_64 rng;
  in >> rng;
  if (in.fail()) throw Error("checkpoint task state: corruption_rng is not a std::mt19937_64 state");
  rng_ = rng;
}

train::Metrics T5SpanCorruptionPretraining::validate(const fs::path& output_dir) {
  model_->eval();
  double loss_sum = 0;
  int64_t predicted = 0;
  const int64_t rows = validation_.input_ids.size(0);
  for (int64_t start = 0; start < rows; start += batch_size_) {
    const int64_t n = std::min(batch_size_, rows - start);
    const auto losses =
        token_losses({validation_.input_ids.narrow(0, start, n), validation_.labels.narrow(0, start, n)});
    loss_sum += losses.sum().item<double>();
    predicted += losses.numel();
  }
  io::save_safetensors((output_dir / "examples.safetensors").string(),
                       {{"input_ids", validation_.input_ids.to(torch::kInt32)},
                        {"labels", validation_.labels.to(torch::kInt32)}});
  const double loss = loss_sum / double(predicted);
  return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"tokens", double(predicted)}};
}

void T5SpanCorruptionPretraining::save_model(const fs::path& dir) {
  models::save_t5(*model_, settings_.tokenizer, dir.string());
}

}  // namespace amem::pretrain
