#include "amem/eval/online_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "amem/eval/greedy_answerer.h"
#include "amem/text/tokenizer.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

using namespace amem;

namespace {

// Answers from a table keyed by question text, and records what it was given.
class ScriptedAdapter : public eval::Adapter {
 public:
  explicit ScriptedAdapter(std::map<std::string, std::string> answers)
      : answers_(std::move(answers)), tokenizer_(text::load_tokenizer(AMEM_TEST_DATA_DIR "/models/tiny-gpt2")) {}
  std::string name() const override { return "scripted"; }
  void absorb(const data::Document& document) override {
    absorbed.push_back(document.id);
    calls.push_back("absorb");
  }
  void finish_stream() override { calls.push_back("finish"); }
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override {
    calls.push_back("answer");
    batch_sizes.push_back(questions.size());
    std::vector<std::string> out;
    for (const auto& q : questions) out.push_back(answers_.at(q.text));
    if (drop_one) out.pop_back();
    return out;
  }
  const text::Tokenizer& answer_tokenizer() const override { return *tokenizer_; }
  std::vector<std::string> absorbed;
  std::vector<size_t> batch_sizes;
  std::vector<std::string> calls;
  bool drop_one = false;

 private:
  std::map<std::string, std::string> answers_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
};

data::Question question(const std::string& id, const std::string& text, std::vector<std::string> golds) {
  data::Question q;
  q.id = id;
  q.text = text;
  q.target = golds.front();
  q.answers = std::move(golds);
  return q;
}

data::QADataset two_documents() {
  data::QADataset d;
  data::Document a, b;
  a.id = "Super_Bowl_50#0";
  a.text = "Super Bowl 50 was played at Levi's Stadium in Santa Clara, California.";
  a.questions = {question("q1", "Who won Super Bowl 50?", {"Denver Broncos"}),
                 question("q2", "Where was Super Bowl 50 played?", {"Santa Clara, California", "Levi's Stadium"})};
  b.id = "Super_Bowl_50#1";
  b.text = "The game was played on February 7, 2016.";
  b.questions = {question("q3", "When was Super Bowl 50 played?", {"February 7, 2016"})};
  d.documents = {a, b};
  return d;
}

// Hand-worked: q1 "the Denver Broncos" normalises to the gold (EM 1, F1 1); q2 "Santa Clara"
// against "santa clara california" shares 2 tokens: P 1, R 2/3, F1 0.8, EM 0 (0 against
// "levis stadium"); q3 "" scores 0. EM = 1/3, F1 = 1.8/3.
const std::map<std::string, std::string> kAnswers = {{"Who won Super Bowl 50?", "the Denver Broncos"},
                                                     {"Where was Super Bowl 50 played?", "Santa Clara"},
                                                     {"When was Super Bowl 50 played?", ""}};

eval::OnlineEvalOptions quiet_options(std::ostringstream& sink) {
  eval::OnlineEvalOptions o;
  o.batch_size = 2;
  o.progress = {&sink, false, [] { return 0.0; }};
  return o;
}

}  // namespace

TEST(OnlineEval, AbsorbsInStreamOrderFinishesThenScoresEveryQuestionInBatches) {
  const auto stream = two_documents();
  ScriptedAdapter adapter(kAnswers);
  std::ostringstream sink;
  const auto r = eval::run_online_eval(adapter, stream, quiet_options(sink));
  EXPECT_EQ(adapter.absorbed, (std::vector<std::string>{"Super_Bowl_50#0", "Super_Bowl_50#1"}));
  EXPECT_EQ(adapter.batch_sizes, (std::vector<size_t>{2, 1}));
  EXPECT_EQ(adapter.calls, (std::vector<std::string>{"absorb", "absorb", "finish", "answer", "answer"}));
  EXPECT_EQ(r.adapter, "scripted");
  EXPECT_EQ(r.documents, 2u);
  EXPECT_EQ(r.questions, 3u);
  EXPECT_DOUBLE_EQ(r.exact_match, 100.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.f1, 60.0);
  ASSERT_EQ(r.predictions.size(), 3u);
  EXPECT_EQ(r.predictions[1].document_id, "Super_Bowl_50#0");
  EXPECT_EQ(r.predictions[1].prediction, "Santa Clara");
  EXPECT_DOUBLE_EQ(r.predictions[1].f1, 80.0);
  EXPECT_EQ(r.predictions[2].exact_match, 0.0);
  EXPECT_GE(r.adapt_seconds_median, 0.0);
  EXPECT_GE(r.adapt_seconds_mean, 0.0);
  EXPECT_GT(r.peak.cpu_bytes, 0);
  EXPECT_NE(sink.str().find("adapt 2/2"), std::string::npos) << sink.str();
  EXPECT_NE(sink.str().find("answer 3/3"), std::string::npos) << sink.str();
}

TEST(OnlineEval, WritesPredictionsAndResults) {
  const auto stream = two_documents();
  ScriptedAdapter adapter(kAnswers);
  std::ostringstream sink;
  const auto dir = amem::testing::fresh_dir("online_eval_write");
  auto options = quiet_options(sink);
  run::MetricsLog metrics((dir / "metrics.jsonl").string());
  options.metrics = &metrics;
  const auto r = eval::run_online_eval(adapter, stream, options);
  eval::write_online_eval(r, dir);

  std::istringstream lines(amem::testing::read_file(dir / "predictions.jsonl"));
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1]["document"], "Super_Bowl_50#0");
  EXPECT_EQ(records[1]["id"], "q2");
  EXPECT_EQ(records[1]["question"], "Where was Super Bowl 50 played?");
  EXPECT_EQ(records[1]["golds"], nlohmann::json({"Santa Clara, California", "Levi's Stadium"}));
  EXPECT_EQ(records[1]["prediction"], "Santa Clara");
  // One unit in both files: percent, as results.json.
  EXPECT_EQ(records[1]["em"], 0.0);
  EXPECT_DOUBLE_EQ(records[1]["f1"].get<double>(), 80.0);
  EXPECT_EQ(records[0]["em"], 100.0);
  // The reference's single gold is the question's target (here its first gold), decoded back.
  EXPECT_EQ(records[1]["reference_gold"], "Santa Clara, California");
  EXPECT_EQ(records[1]["reference_em"], 0.0);
  EXPECT_DOUBLE_EQ(records[1]["reference_f1"].get<double>(), 80.0);
  EXPECT_EQ(records[0]["reference_em"], 100.0);

  const auto results = nlohmann::json::parse(amem::testing::read_file(dir / "results.json"));
  EXPECT_EQ(results["adapter"], "scripted");
  EXPECT_DOUBLE_EQ(results["exact_match"].get<double>(), 100.0 / 3.0);
  EXPECT_DOUBLE_EQ(results["f1"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(results["reference_exact_match"].get<double>(), 100.0 / 3.0);
  EXPECT_DOUBLE_EQ(results["reference_f1"].get<double>(), 60.0);
  EXPECT_EQ(results["documents"], 2);
  EXPECT_EQ(results["questions"], 3);
  EXPECT_TRUE(results["adapt_seconds_per_document"]["median"].is_number());
  EXPECT_TRUE(results["finish_stream_seconds"].is_number());
  EXPECT_TRUE(results["adapt_seconds_per_document"]["mean"].is_number());
  EXPECT_GT(results["peak_cpu_memory_bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(results.contains("peak_cuda_memory_bytes"));

  // One metrics line per document, numbered from 0.
  std::istringstream metric_lines(amem::testing::read_file(dir / "metrics.jsonl"));
  std::vector<nlohmann::json> logged;
  for (std::string line; std::getline(metric_lines, line);) logged.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[1]["step"], 1);
  EXPECT_TRUE(logged[1]["adapt_seconds"].is_number());
}

TEST(OnlineEval, ScoresTheSamePredictionsOfficiallyAndAsTheReferenceDoes) {
  // Each document's target is the reference's single gold (the shortest answer, as the readers
  // set it); the official scores take the best over all golds.
  data::QADataset stream;
  data::Document d;
  d.id = "Super_Bowl_50#0";
  d.text = "Denver beat Carolina at Levi's Stadium in Santa Clara.";
  auto q1 = question("q1", "Who won?", {"Denver Broncos", "Broncos"});
  q1.target = "Broncos";
  auto q2 = question("q2", "Where?", {"Santa Clara, California", "Levi's Stadium"});
  q2.target = "Levi's Stadium";
  auto q3 = question("q3", "What 's the name?", {"Super Bowl 50"});
  d.questions = {q1, q2, q3};
  stream.documents = {d};
  ScriptedAdapter adapter({{"Who won?", "Denver Broncos"},
                           {"Where?", "Levi's Stadium in Santa Clara"},
                           {"What 's the name?", "super bowl"}});
  std::ostringstream sink;
  const auto r = eval::run_online_eval(adapter, stream, quiet_options(sink));
  ASSERT_EQ(r.predictions.size(), 3u);
  // q1 "Denver Broncos": official EM 100, F1 100; reference against "Broncos": "denver "
  // != "broncos", EM 0; F1 P 1/2 R 1 = 2/3.
  EXPECT_EQ(r.predictions[0].exact_match, 100.0);
  EXPECT_EQ(r.predictions[0].f1, 100.0);
  EXPECT_EQ(r.predictions[0].reference_gold, "Broncos");
  EXPECT_EQ(r.predictions[0].reference_exact_match, 0.0);
  EXPECT_DOUBLE_EQ(r.predictions[0].reference_f1, 200.0 / 3.0);
  // q2 "levis stadium in santa clara": equals no gold, official EM 0; F1 best against "levis
  // stadium": P 2/5 R 1 = 4/7 (against "santa clara california": P 2/5 R 2/3 = 1/2).
  // Reference: starts with "levis stadium", EM 100; F1 4/7.
  EXPECT_EQ(r.predictions[1].exact_match, 0.0);
  EXPECT_DOUBLE_EQ(r.predictions[1].f1, 400.0 / 7.0);
  EXPECT_EQ(r.predictions[1].reference_exact_match, 100.0);
  EXPECT_DOUBLE_EQ(r.predictions[1].reference_f1, 400.0 / 7.0);
  // q3 "super bowl" vs "super bowl 50": P 1, R 2/3, F1 0.8 for both; EM 0 for both (shorter).
  EXPECT_EQ(r.predictions[2].reference_gold, "Super Bowl 50");
  EXPECT_EQ(r.predictions[2].exact_match, 0.0);
  EXPECT_EQ(r.predictions[2].reference_exact_match, 0.0);
  EXPECT_DOUBLE_EQ(r.predictions[2].f1, 80.0);
  EXPECT_DOUBLE_EQ(r.predictions[2].reference_f1, 80.0);
  EXPECT_DOUBLE_EQ(r.exact_match, 100.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.reference_exact_match, 100.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.f1, (100.0 + 400.0 / 7.0 + 80.0) / 3.0);
  EXPECT_DOUBLE_EQ(r.reference_f1, (200.0 / 3.0 + 400.0 / 7.0 + 80.0) / 3.0);
}

TEST(OnlineEval, TheReferenceGoldIsCutToGoldMaxTokensAndCleanedUp) {
  data::QADataset stream;
  data::Document d;
  d.id = "doc";
  d.text = "John's dog is Rex.";
  auto q = question("q", "Whose dog?", {"John 's dog"});
  d.questions = {q};
  stream.documents = {d};
  ScriptedAdapter adapter(std::map<std::string, std::string>{{"Whose dog?", "John's"}});
  std::ostringstream sink;
  auto options = quiet_options(sink);
  // Whole: " John 's dog" cleaned to "John's dog"; "johns" is not "johns dog": EM 0.
  auto r = eval::run_online_eval(adapter, stream, options);
  EXPECT_EQ(r.predictions[0].reference_gold, "John's dog");
  EXPECT_EQ(r.predictions[0].reference_exact_match, 0.0);
  // Cut to the ids of " John 's": the gold is "John's", and the prediction matches it.
  const auto& tokenizer = adapter.answer_tokenizer();
  const auto whole = tokenizer.encode(" John 's dog"), cut = tokenizer.encode(" John 's");
  ASSERT_TRUE(std::equal(cut.begin(), cut.end(), whole.begin()));
  options.gold_max_tokens = int64_t(cut.size());
  r = eval::run_online_eval(adapter, stream, options);
  EXPECT_EQ(r.predictions[0].reference_gold, "John's");
  EXPECT_EQ(r.predictions[0].reference_exact_match, 100.0);
  EXPECT_EQ(r.predictions[0].exact_match, 0.0);
}

TEST(OnlineEval, PredictionsThatAreNotUtf8AreWrittenWithReplacementCharacters) {
  auto stream = two_documents();
  auto answers = kAnswers;
  answers["When was Super Bowl 50 played?"] = "Feb\xE2\x80";  // cut inside a UTF-8 sequence
  ScriptedAdapter adapter(answers);
  std::ostringstream sink;
  const auto dir = amem::testing::fresh_dir("online_eval_utf8");
  eval::write_online_eval(eval::run_online_eval(adapter, stream, quiet_options(sink)), dir);
  EXPECT_NE(amem::testing::read_file(dir / "predictions.jsonl").find("Feb\xEF\xBF\xBD"), std::string::npos);
}

TEST(OnlineEval, AnAdapterThatLosesAnswersIsAnError) {
  const auto stream = two_documents();
  ScriptedAdapter adapter(kAnswers);
  adapter.drop_one = true;
  std::ostringstream sink;
  EXPECT_EQ(amem::testing::error_of([&] { eval::run_online_eval(adapter, stream, quiet_options(sink)); }),
            "adapter 'scripted' returned 1 answers for 2 questions");
}

TEST(GreedyAnswerer, AnswerIsTheContinuationUpToItsFirstNewline) {
  EXPECT_EQ(eval::answer_from_continuation(" Denver Broncos\nQuestion: who"), "Denver Broncos");
  EXPECT_EQ(eval::answer_from_continuation("\nDenver"), "");
  EXPECT_EQ(eval::answer_from_continuation("  "), "");
  EXPECT_EQ(eval::answer_from_continuation("1966"), "1966");
}
