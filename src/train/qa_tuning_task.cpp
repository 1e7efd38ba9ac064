#include "amem/train/qa_tuning_task.h"

#include "amem/data/data_settings.h"
#include "amem/eval/eval_settings.h"
#include "amem/eval/greedy_answerer.h"
#include "amem/methods/no_adaptation.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/model_settings.h"
#include "amem/models/save_causal_lm.h"
#include "amem/run/run_settings.h"
#include "amem/text/tokenizer.h"
#include "amem/train/lm_batch.h"
#include "amem/train/lm_loss.h"
#include "amem/train/online_validation.h"

namespace amem::train {

namespace {

std::vector<data::Question> questions_of(const data::QADataset& dataset) {
  std::vector<data::Question> out;
  for (const auto& document : dataset.documents)
    out.insert(out.end(), document.questions.begin(), document.questions.end());
  return out;
}

}  // namespace

QaTuningTask::QaTuningTask(const config::Config& config)
    : model_dir_(models::ModelSettings::from(config).path),
      model_(models::load_causal_lm(model_dir_, models::ModelSettings::from(config).load_options(true))),
      tokenizer_(text::load_tokenizer(model_dir_)),
      pairs_(questions_of(data::read_qa_dataset(data::DataSettings::train(config)))),
      val_(validation_documents(data::read_qa_dataset(data::DataSettings::val(config)),
                                config.get<int64_t>("train.val_documents"))),
      sampler_(pairs_.size(), size_t(config.get<int64_t>("train.batch_size")),
               uint64_t(config.get<int64_t>("run.seed"))),
      max_tokens_(std::min(config.get<int64_t>("train.max_tokens"), model_->shape().max_positions)),
      eval_(eval::EvalSettings::from(config)) {}

QaTuningTask::~QaTuningTask() = default;

NamedTensors QaTuningTask::trainable() {
  NamedTensors out;
  for (const auto& item : model_->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

torch::Device QaTuningTask::device() const { return model_->parameters().front().device(); }

StepOutput QaTuningTask::compute_loss() {
  model_->train();
  std::vector<const data::Question*> batch;
  for (size_t i : sampler_.next()) batch.push_back(&pairs_[i]);
  const auto inputs = qa_batch(*tokenizer_, batch, max_tokens_).to(device());
  const auto logits = model_->forward(inputs.input_ids, inputs.attention_mask, {}, nullptr);
  return {lm_loss(logits, inputs.labels), {}, inputs.tokens()};
}

Metrics QaTuningTask::validate(const std::filesystem::path& output_dir) {
  methods::NoAdaptation answerer(eval::GreedyAnswerer(model_, tokenizer_, eval_.answer));
  return validate_online(answerer, val_, eval_, output_dir, validation_shards());
}

void QaTuningTask::save_model(const std::filesystem::path& dir) {
  models::save_causal_lm(*model_, model_dir_, dir.string());
}

}  // namespace amem::train
