#include "amem/methods/mac/mac_model.h"

#include <filesystem>
#include <limits>

#include "amem/core/error.h"
#include "amem/io/safetensors.h"
#include "amem/models/load_causal_lm.h"
#include "amem/models/t5.h"
#include "amem/models/weight_loader.h"
#include "amem/train/lm_batch.h"

namespace amem::methods {

namespace {

constexpr const char* kNetworksFile = "model.safetensors";

// Fixed layouts pad with the tokenizer's PAD id (the reference's pad_token_id).
int64_t pad_id(const text::Tokenizer& tokenizer) {
  const auto pad = tokenizer.special().pad;
  if (!pad) throw Error("T5 tokenizer: no PAD token, which the fixed-length T5 layouts (mac.pad_documents_to, "
                        "mac.*_question_layout) pad with");
  return *pad;
}

// `tokens` right-padded with `pad` (mask 0) by `extra` more columns.
T5Tokens append_pads(const T5Tokens& tokens, int64_t extra, int64_t pad) {
  if (extra <= 0) return tokens;
  return {torch::constant_pad_nd(tokens.ids, {0, extra}, double(pad)), torch::constant_pad_nd(tokens.mask, {0, extra}, 0)};
}

// Right-padded rows moved to the right end of `width` columns (HF padding_side='left').
T5Tokens left_padded(const T5Tokens& right, int64_t width, int64_t pad) {
  auto ids = torch::full({right.ids.size(0), width}, pad, right.ids.options());
  auto mask = torch::zeros({right.ids.size(0), width}, right.mask.options());
  const auto lengths = right.mask.sum(1).cpu();
  for (int64_t r = 0; r < right.ids.size(0); ++r) {
    const int64_t n = lengths[r].item<int64_t>();
    ids[r].slice(0, width - n).copy_(right.ids[r].slice(0, 0, n));
    mask[r].slice(0, width - n).fill_(1);
  }
  return {ids, mask};
}

}  // namespace

T5Tokens t5_tokens(const text::Tokenizer& tokenizer, const std::vector<std::string>& texts, int64_t max_tokens,
                   torch::Device device) {
  auto batch = train::text_batch(tokenizer, texts, max_tokens);
  const auto& special = tokenizer.special();
  if (special.add_eos && special.eos && batch.input_ids.size(1) == max_tokens) {
    // Rows that fill max_tokens were cut (or end in their EOS already): T5's tokenizer keeps the
    // EOS when it truncates, so the last token becomes EOS.
    const auto full = batch.attention_mask.sum(1) == max_tokens;
    batch.input_ids.select(1, max_tokens - 1).masked_fill_(full, *special.eos);
  }
  return {batch.input_ids.to(device), batch.attention_mask.to(device)};
}

MacModel::MacModel(const MacSettings& settings, const models::ModelSettings& base, BaseLm base_lm)
    : settings_(settings), device_(torch::kCPU) {
  const auto options = base.load_options(/*trainable=*/false);
  device_ = options.device;
  base_dtype_ = options.dtype;
  base_tokenizer_ = text::load_tokenizer(base.path);
  document_tokenizer_ = text::load_tokenizer(settings.amortizer);
  question_tokenizer_ = text::load_tokenizer(settings.question_encoder);
  // The networks are built before the base LM is, from its config.json alone: their random
  // initialisation (learned queries, MLPs) then draws the same numbers whether or not the
  // base LM is loaded, so both ways make the same untrained networks for a seed.
  const auto shape = models::read_causal_lm_shape(base.path);
  auto amortizer_t5 = models::load_t5(settings.amortizer, torch::kFloat32, device_, /*trainable=*/true);
  auto question_t5 = models::load_t5(settings.question_encoder, torch::kFloat32, device_, /*trainable=*/true);
  networks_ = MacNetworks(settings, amortizer_t5, question_t5, shape);
  networks_->to(device_);
  // Inference (eval, memory build) needs T5's dropout off; training switches train() on per step.
  networks_->eval();
  if (settings.networks) load_networks(*settings.networks);
  if (base_lm == BaseLm::kLoad) base_lm_ = models::load_causal_lm(base.path, options);
}

models::CausalLm& MacModel::base_lm() {
  if (!base_lm_) throw std::logic_error("MacModel: built with BaseLm::kShapeOnly, so it has no base LM to run");
  return *base_lm_;
}

torch::Tensor MacModel::amortize(const std::vector<std::string>& documents) {
  const auto tokens = document_tokens(documents);
  return networks_->amortizer(tokens.ids, tokens.mask);
}

torch::Tensor MacModel::aggregate(const std::vector<std::string>& questions, const torch::Tensor& bank,
                                  std::optional<int64_t> window) {
  const auto tokens = question_tokens(questions);
  auto& aggregator = *networks_->aggregator;
  const auto queries = aggregator.encode_questions(tokens.ids, tokens.mask);
  const auto memory = settings_.cmt.selector->select(queries, bank);  // [1 or B, N', T, d]
  return settings_.aggregator->aggregate(aggregator, queries, memory, window);
}

models::Prefix MacModel::to_prefix(const torch::Tensor& modulation) {
  return networks_->to_prefix(modulation, base_dtype_);
}

T5Tokens MacModel::document_tokens(const std::vector<std::string>& documents) const {
  auto tokens = t5_tokens(*document_tokenizer_, documents, settings_.max_document_tokens, device_);
  if (settings_.pad_documents_to == 0) return tokens;
  return append_pads(tokens, settings_.pad_documents_to - tokens.ids.size(1), pad_id(*document_tokenizer_));
}

T5Tokens MacModel::question_tokens(const std::vector<std::string>& questions, QuestionUse use) const {
  const auto& layout =
      use == QuestionUse::kTraining ? settings_.train_question_layout : settings_.eval_question_layout;
  const auto& tokenizer = *question_tokenizer_;
  switch (layout.kind) {
    case QuestionLayout::Kind::kBatch:
      return t5_tokens(tokenizer, questions, settings_.max_question_tokens, device_);
    case QuestionLayout::Kind::kLeftPad:  // cut to the width (EOS kept), then left-padded to it
      return left_padded(t5_tokens(tokenizer, questions, layout.tokens, device_), layout.tokens, pad_id(tokenizer));
    case QuestionLayout::Kind::kAppendPads: {
      // Whole questions (the reference does not cut them), the batch's longest plus the pads:
      // with one question per batch, as the reference answers, exactly its layout.
      auto tokens = t5_tokens(tokenizer, questions, std::numeric_limits<int32_t>::max(), device_);
      return append_pads(tokens, layout.tokens, pad_id(tokenizer));
    }
  }
  throw std::logic_error("MacModel::question_tokens: unknown layout");
}

void MacModel::save_networks(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : networks_->named_parameters()) tensors.emplace_back(p.key(), p.value().detach());
  io::save_safetensors((std::filesystem::path(dir) / kNetworksFile).string(), tensors);
}

void MacModel::load_networks(const std::string& dir) {
  const auto file = std::filesystem::path(dir) / kNetworksFile;
  if (!std::filesystem::exists(file))
    throw Error(dir + ": no " + kNetworksFile + " (expected trained MAC networks written by `amem train`)");
  models::WeightLoadOptions opts;
  opts.device = device_;
  models::load_weights(*networks_, io::SafetensorsCheckpoint::open(file.string()), opts);
}

}  // namespace amem::methods
