#include "amem/eval/eval_settings.h"

#include "amem/core/error.h"
#include "amem/data/data_settings.h"

namespace amem::eval {

void EvalSettings::declare(config::Schema& schema) {
  schema.section("eval", "online evaluation: adapt to the stream, then answer every question")
      .field<std::string>("adapter", "none",
                          "how the model takes in each document: none (frozen), uniform (fine-tune on "
                          "its LM loss), salient (fine-tune on its salient-span tokens only), camels (fine-tune on "
                          "its tokens weighted by CaMeLS's weight model), mac (a memory bank of amortized documents; mac.*); gold_document (calibration: each "
                          "question is asked after its own document, an upper bound for a memory)")
      .one_of({"none", "uniform", "salient", "camels", "mac", "gold_document"})
      .field<int64_t>("max_new_tokens", 24, "answer length in tokens (at most)")
      .at_least(1)
      .field<std::string>("decoding", "greedy",
                          "how the answer's tokens are chosen: greedy (the questions of a batch decoded together) or "
                          "group_beam (MAC/CaMeLS: diverse group beam search as transformers 4.36.2 runs it, one "
                          "question per search, the top sequence; eval.num_beams, eval.num_beam_groups, "
                          "eval.diversity_penalty, eval.length_penalty, eval.early_stopping)")
      .one_of({"greedy", "group_beam"})
      .field<int64_t>("num_beams", 12, "group_beam: beams in all (MAC: 12), a multiple of eval.num_beam_groups")
      .at_least(2)
      .field<int64_t>("num_beam_groups", 4, "group_beam: groups the beams are split into (MAC: 4)")
      .at_least(1)
      .field<double>("diversity_penalty", 10.0,
                     "group_beam: subtracted from a token's log-probability once for each earlier group that chose "
                     "it at the same step (MAC: 10)")
      .at_least(0.0)
      .field<double>("length_penalty", 1.0,
                     "group_beam: a hypothesis scores sum of log-probabilities / generated tokens^length_penalty "
                     "(MAC: transformers' default 1.0)")
      .field<bool>("early_stopping", true,
                   "group_beam: a group stops once it holds num_beams / num_beam_groups finished hypotheses (MAC: "
                   "true); false: once none of its running beams can beat the worst of them")
      .field<std::string>("prediction_text", "continuation",
                          "which text of the generated tokens is the prediction: continuation (the new tokens' "
                          "text up to its first newline, trimmed) or reference (MAC/CaMeLS: the whole output "
                          "decoded with clean_up_tokenization_spaces and stripped, less the question's length in "
                          "characters; no newline cut)")
      .one_of({"continuation", "reference"})
      .optional<int64_t>("prompt_max_tokens",
                         "keep only the last N prompt tokens, a BOS included (MAC: 256); null: only the context cuts")
      .at_least(1)
      .field<int64_t>("gold_max_tokens", 24,
                      "the reference metrics' gold answer: ' ' + the dataset's single answer, cut to this many "
                      "tokens (a BOS counts) and decoded with clean_up_tokenization_spaces")
      .at_least(1)
      .field<int64_t>("batch_size", 16, "questions answered per generation batch")
      .at_least(1)
      .field<std::string>("bank_entries", "per_document",
                          "eval.adapter mac: memory-bank entries per streamed document: per_document (one) or "
                          "per_row (MAC's reference: one per question row, so a document with k questions is "
                          "stored k times)")
      .one_of({"per_document", "per_row"})
      .optional<int64_t>("retention.every",
                         "retention curve (CMT's analysis): after every N documents of the stream, re-answer the "
                         "questions of the first eval.retention.first_documents; null: no curve")
      .at_least(1)
      .optional<int64_t>("retention.first_documents",
                         "the documents whose questions the retention curve re-asks: the first N of the stream")
      .at_least(1)
      .optional<std::vector<double>>("distractors.fractions",
                                     "distractor robustness (CMT's analysis): per fraction f, a fresh run with "
                                     "round(f x stream documents) irrelevant documents inserted; null: none")
      .at_least(0)
      .optional<std::string>("distractors.path", "the file distractor documents are drawn from (another split or dataset)")
      .optional<std::string>("distractors.format", "eval.distractors.path's format; null: data.format")
      .one_of({"streamingqa", "squad", "archivalqa"})
      .optional<std::vector<int64_t>>("distractors.rows", "squad: [first, end) question rows of eval.distractors.path")
      .at_least(-1)
      .field<int64_t>("distractors.seed", 0, "seed of the distractors' order and of their places in the stream")
      .at_least(0);
}

namespace {

std::optional<RetentionSettings> retention_settings(const config::Config& config) {
  const bool every = !config.is_null("eval.retention.every");
  const bool first = !config.is_null("eval.retention.first_documents");
  if (every != first) {
    const std::string set = every ? "eval.retention.every" : "eval.retention.first_documents";
    const std::string unset = every ? "eval.retention.first_documents" : "eval.retention.every";
    throw ConfigError(config.source_of(set) + ": " + set + " is set, so " + unset + " must be too");
  }
  if (!every) return std::nullopt;
  RetentionSettings s;
  s.every = config.get<int64_t>("eval.retention.every");
  s.first_documents = config.get<int64_t>("eval.retention.first_documents");
  s.where = config.source_of("eval.retention.first_documents") + ": eval.retention.first_documents";
  return s;
}

std::optional<DistractorSettings> distractor_settings(const config::Config& config) {
  if (config.is_null("eval.distractors.fractions")) {
    // The distractor keys are read only with fractions: one set alone would be silently ignored.
    for (const char* key : {"eval.distractors.path", "eval.distractors.format", "eval.distractors.rows"})
      if (!config.is_null(key))
        throw ConfigError(config.source_of(key) + ": " + key +
                          ": set, but eval.distractors.fractions is null, so no distractors are inserted; "
                          "set the fractions (e.g. [0, 0.5, 1]) or remove it");
    return std::nullopt;
  }
  DistractorSettings s;
  s.fractions = config.get<std::vector<double>>("eval.distractors.fractions");
  s.where = config.source_of("eval.distractors.fractions") + ": eval.distractors.fractions";
  if (s.fractions.empty()) throw ConfigError(s.where + ": expected at least one fraction (null: no distractors)");
  const std::string format_key = config.is_null("eval.distractors.format") ? "data.format" : "eval.distractors.format";
  s.source = data::DataSettings::file(config, "eval.distractors.path", "eval.distractors.rows", format_key,
                                      "distractor data of eval.distractors.fractions");
  s.seed = uint64_t(config.get<int64_t>("eval.distractors.seed"));
  return s;
}

}  // namespace

EvalSettings EvalSettings::from(const config::Config& config) {
  EvalSettings s;
  s.adapter = config.get<std::string>("eval.adapter");
  s.answer.max_new_tokens = config.get<int64_t>("eval.max_new_tokens");
  s.answer.decoding = config.get<std::string>("eval.decoding") == "group_beam" ? Decoding::group_beam : Decoding::greedy;
  auto& beam = s.answer.group_beam;
  beam.num_beams = config.get<int64_t>("eval.num_beams");
  beam.num_beam_groups = config.get<int64_t>("eval.num_beam_groups");
  beam.diversity_penalty = config.get<double>("eval.diversity_penalty");
  beam.length_penalty = config.get<double>("eval.length_penalty");
  beam.early_stopping = config.get<bool>("eval.early_stopping");
  // The beam keys only mean something under group_beam: greedy decoding never reads them, so
  // their consistency is not its concern.
  if (s.answer.decoding == Decoding::group_beam && beam.num_beams % beam.num_beam_groups != 0)
    throw ConfigError(config.source_of("eval.num_beam_groups") + ": eval.num_beam_groups: " +
                      std::to_string(beam.num_beam_groups) + " does not divide eval.num_beams " +
                      std::to_string(beam.num_beams) + " (" + config.source_of("eval.num_beams") + ")");
  s.answer.prediction_text = config.get<std::string>("eval.prediction_text") == "reference"
                                 ? PredictionText::reference
                                 : PredictionText::continuation;
  if (!config.is_null("eval.prompt_max_tokens")) s.answer.prompt_max_tokens = config.get<int64_t>("eval.prompt_max_tokens");
  s.gold_max_tokens = config.get<int64_t>("eval.gold_max_tokens");
  s.batch_size = config.get<int64_t>("eval.batch_size");
  s.bank_entries = config.get<std::string>("eval.bank_entries") == "per_row" ? BankEntries::per_row
                                                                            : BankEntries::per_document;
  s.retention = retention_settings(config);
  s.distractors = distractor_settings(config);
  return s;
}

}  // namespace amem::eval
