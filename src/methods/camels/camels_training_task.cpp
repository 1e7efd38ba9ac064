#include "amem/methods/camels/camels_training_task.h"

#include <sstream>

#include "amem/core/error.h"
#include "amem/data/data_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/io/atomic_file.h"
#include "amem/io/utf8_file.h"
#include "amem/methods/camels/camels_adapter.h"
#include "amem/methods/camels/token_weight_html.h"
#include "amem/methods/camels/weight_model.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/text/tokenizer.h"
#include "amem/train/online_validation.h"
#include "amem/train/train_settings.h"

namespace amem::methods::camels {

namespace {

std::vector<std::string> read_locality_passages(const std::string& path) {
  const std::string text = io::read_utf8_file(path);
  io::check_line_ends(text, path);
  std::istringstream in(text);
  std::vector<std::string> passages;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) passages.push_back(line);
  if (passages.empty()) throw ConfigError("camels.locality_path: '" + path + "' has no passages (one per line)");
  return passages;
}

std::vector<std::string> document_texts(const data::QADataset& dataset) {
  std::vector<std::string> texts;
  for (const auto& d : dataset.documents) texts.push_back(d.text);
  return texts;
}

int64_t checked_batch_size(const config::Config& config, const CamelsSettings& settings) {
  const auto batch_size = config.get<int64_t>("train.batch_size");
  if (settings.reset_base_freq % batch_size != 0)
    throw ConfigError(config.source_of("camels.reset_base_freq") + ": camels.reset_base_freq: " + std::to_string(settings.reset_base_freq) +
                      " is not a multiple of train.batch_size (" + std::to_string(batch_size) + ")");
  return batch_size;
}

}  // namespace

CamelsTrainingTask::CamelsTrainingTask(const config::Config& config)
    : settings_(CamelsSettings::from(config)),
      adapt_(AdaptSettings::from(config)),
      examples_sampler_(1, 1, 0),
      locality_sampler_(1, 1, 0) {
  const auto model = models::ModelSettings::from(config);
  const auto train = train::TrainSettings::from(config);
  const auto seed = static_cast<uint64_t>(config.get<int64_t>("run.seed"));
  batch_size_ = checked_batch_size(config, settings_);
  max_tokens_ = train.max_tokens;
  eval_ = eval::EvalSettings::from(config);
  objective_ = {settings_.inner_lr, settings_.sequential_update, settings_.c_kl, settings_.c_norm, settings_.norm_p};

  tokenizer_ = text::load_tokenizer(model.path);
  base_ = models::load_causal_lm(model.path, model.load_options(/*trainable=*/false));
  weight_model_ = load_weight_model(settings_.weight_model_path, {settings_.freeze_body, settings_.normalize_weights},
                                    model.load_options(true));
  check_weight_model_reads(*weight_model_, *tokenizer_);

  train_ = data::read_qa_dataset(data::DataSettings::train(config));
  val_ = train::validation_documents(data::read_qa_dataset(data::DataSettings::val(config)), train.val_documents);
  auto pairs = [](const data::QADataset& dataset) {
    std::vector<Example> out;
    for (size_t d = 0; d < dataset.documents.size(); ++d)
      for (size_t q = 0; q < dataset.documents[d].questions.size(); ++q) out.push_back({d, q});
    return out;
  };
  examples_ = pairs(train_);
  val_examples_ = pairs(val_);
  locality_texts_ =
      settings_.locality_path.empty() ? document_texts(train_) : read_locality_passages(settings_.locality_path);
  examples_sampler_ = train::EpochSampler(examples_.size(), size_t(batch_size_), seed);
  locality_sampler_ = train::EpochSampler(locality_texts_.size(), size_t(settings_.locality_batch_size), seed + 1);
  base_weights_ = current_parameters(*base_);
}

train::NamedTensors CamelsTrainingTask::trainable() { return weight_model_->trainable(); }

torch::Device CamelsTrainingTask::device() const { return weight_model_->device(); }

MetaBatch CamelsTrainingTask::make_batch(const data::QADataset& dataset, const std::vector<Example>& examples,
                                         const std::vector<size_t>& locality) const {
  std::vector<std::string> texts;
  std::vector<const data::Question*> questions;
  for (const auto& example : examples) {
    const auto& document = dataset.documents[example.document];
    texts.push_back(document.text);
    questions.push_back(&document.questions[example.question]);
  }
  const auto device = base_->parameters().front().device();
  MetaBatch batch;
  batch.documents = train::text_batch(*tokenizer_, texts, max_tokens_).to(device);
  batch.questions = train::qa_batch(*tokenizer_, questions, max_tokens_).to(device);
  if (objective_.c_kl > 0) {
    std::vector<std::string> passages;
    for (const auto i : locality) passages.push_back(locality_texts_[i]);
    batch.locality = train::text_batch(*tokenizer_, passages, max_tokens_).to(device);
  }
  return batch;
}

MetaStepResult CamelsTrainingTask::step_and_advance(const MetaBatch& batch, bool create_graph) {
  auto step = meta_step(*weight_model_, *base_, base_weights_, batch, objective_, create_graph);
  documents_since_reset_ += batch.documents.input_ids.size(0);
  if (documents_since_reset_ >= settings_.reset_base_freq) {
    base_weights_ = current_parameters(*base_);
    documents_since_reset_ = 0;
  } else {
    base_weights_ = step.adapted;
  }
  return step;
}

train::StepOutput CamelsTrainingTask::compute_loss() {
  weight_model_->train();
  std::vector<Example> examples;
  for (const auto i : examples_sampler_.next()) examples.push_back(examples_[i]);
  const auto locality = objective_.c_kl > 0 ? locality_sampler_.next() : std::vector<size_t>{};
  const auto batch = make_batch(train_, examples, locality);
  auto step = step_and_advance(batch, /*create_graph=*/true);
  return {step.loss, step.metrics, batch.documents.tokens() + batch.questions.tokens()};
}

train::Metrics CamelsTrainingTask::meta_validation() {
  // Its own reset cycle from the starting weights; training's cycle carries on afterwards.
  const auto training_weights = base_weights_;
  const auto training_since_reset = documents_since_reset_;
  base_weights_ = current_parameters(*base_);
  documents_since_reset_ = 0;
  std::vector<std::pair<std::string, double>> sums;
  int64_t steps = 0;
  for (size_t begin = 0; begin < val_examples_.size(); begin += size_t(batch_size_)) {
    const auto end = std::min(val_examples_.size(), begin + size_t(batch_size_));
    std::vector<size_t> locality;
    for (int64_t i = 0; i < settings_.locality_batch_size; ++i)
      locality.push_back((size_t(steps * settings_.locality_batch_size + i)) % locality_texts_.size());
    const auto step = step_and_advance(
        make_batch(val_, {val_examples_.begin() + std::ptrdiff_t(begin), val_examples_.begin() + std::ptrdiff_t(end)},
                   locality),
        /*create_graph=*/false);
    if (sums.empty())
      for (const auto& [name, value] : step.metrics) sums.emplace_back("meta_" + name, 0.0);
    for (size_t i = 0; i < sums.size(); ++i) sums[i].second += step.metrics[i].second;
    ++steps;
  }
  for (auto& [name, sum] : sums) sum /= double(std::max<int64_t>(steps, 1));
  base_weights_ = training_weights;
  documents_since_reset_ = training_since_reset;
  return sums;
}

namespace {

const std::string kBaseWeights = "base/";

}  // namespace

train::TaskState CamelsTrainingTask::state() const {
  train::TaskState state{{{"examples", examples_sampler_.position()},
                          {"locality", locality_sampler_.position()},
                          {"documents_since_reset", documents_since_reset_}},
                         {}};
  if (documents_since_reset_ > 0)
    for (const auto& [name, tensor] : base_weights_) state.tensors.emplace_back(kBaseWeights + name, tensor);
  return state;
}

void CamelsTrainingTask::restore_state(const train::TaskState& state) {
  const auto& values = state.values;
  if (!values.is_object() || !values.contains("examples") || !values.contains("locality") ||
      !values.contains("documents_since_reset") || !values["documents_since_reset"].is_number_integer())
    throw Error("camels: checkpoint task state " + values.dump() +
                " lacks 'examples', 'locality' or 'documents_since_reset' (a checkpoint of another method?)");
  const auto since_reset = values["documents_since_reset"].get<int64_t>();
  if (since_reset < 0 || since_reset >= settings_.reset_base_freq)
    throw Error("camels: checkpoint's documents_since_reset " + std::to_string(since_reset) + " is not in 0.." +
                std::to_string(settings_.reset_base_freq - 1) + " (camels.reset_base_freq differs?)");
  examples_sampler_.set_position(values["examples"]);
  locality_sampler_.set_position(values["locality"]);
  documents_since_reset_ = since_reset;
  base_weights_ = current_parameters(*base_);
  if (since_reset == 0) return;
  // Between resets the base LM continues from its updated weights, which the checkpoint holds.
  std::map<std::string, torch::Tensor> stored(state.tensors.begin(), state.tensors.end());
  for (auto& [name, tensor] : base_weights_) {
    const auto it = stored.find(kBaseWeights + name);
    if (it == stored.end())
      throw Error("camels: checkpoint has no updated base weight '" + kBaseWeights + name + "'");
    if (!it->second.sizes().equals(tensor.sizes()))
      throw Error("camels: checkpoint's updated base weight '" + kBaseWeights + name + "' has another shape");
    tensor = it->second.to(tensor.device(), tensor.scalar_type());
  }
}

void CamelsTrainingTask::write_weight_picture(const std::filesystem::path& path) {
  const auto& document = val_.documents.front();
  const auto batch = train::text_batch(*tokenizer_, {document.text}, max_tokens_).to(weight_model_->device());
  torch::Tensor weights;
  {
    torch::NoGradGuard no_grad;
    weights = weight_model_->forward(batch.input_ids, batch.attention_mask)[0].to(torch::kFloat64).cpu();
  }
  // Each token's text is what it adds to the decoded prefix, so that sentencepiece's word-initial
  // spaces show (decoding a piece alone drops them).
  std::vector<int64_t> prefix;
  std::string decoded;
  std::vector<std::string> tokens;
  std::vector<double> values;
  for (int64_t i = 0; i < weights.size(0); ++i) {
    prefix.push_back(batch.input_ids[0][i].item<int64_t>());
    auto longer = tokenizer_->decode(prefix, /*skip_special=*/false);
    tokens.push_back(longer.compare(0, decoded.size(), decoded) == 0
                         ? longer.substr(decoded.size())
                         : tokenizer_->decode({prefix.back()}, /*skip_special=*/false));
    decoded = std::move(longer);
    values.push_back(weights[i].item<double>());
  }
  io::write_file_atomic(path.string(),
                        token_weight_html("weights of validation document " + document.id, tokens, values));
}

train::Metrics CamelsTrainingTask::validate(const std::filesystem::path& output_dir) {
  // The loop validates under no_grad, but CaMeLS's validation fine-tunes the base LM (the online
  // evaluation) and takes inner gradient steps (the meta losses).
  torch::AutoGradMode enable_grad(true);
  weight_model_->eval();
  write_weight_picture(output_dir / "token_weights.html");
  auto metrics = meta_validation();
  // The adapter fine-tunes the base LM in place: it starts from the starting weights and they
  // are put back afterwards.
  std::vector<torch::Tensor> starting;
  for (const auto& p : base_->parameters()) starting.push_back(p.detach().clone());
  for (auto& p : base_->parameters()) p.set_requires_grad(true);
  {
    CamelsAdapter adapter(base_, tokenizer_, weight_model_, adapt_, eval_.answer);
    const auto online = train::validate_online(adapter, val_, eval_, output_dir);
    metrics.insert(metrics.begin(), online.begin(), online.end());
  }
  torch::NoGradGuard no_grad;
  auto parameters = base_->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    parameters[i].set_requires_grad(false);
    parameters[i].copy_(starting[i]);
    parameters[i].mutable_grad() = torch::Tensor();
  }
  return metrics;
}

void CamelsTrainingTask::save_model(const std::filesystem::path& dir) { weight_model_->save(dir); }

}  // namespace amem::methods::camels
