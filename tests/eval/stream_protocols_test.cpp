// The retention curve and the distractor curve of the online evaluation (eval/stream_protocols.h)
// with adapters whose answers are known by hand.
#include "amem/eval/stream_protocols.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <sstream>

#include "amem/core/error.h"
#include "amem/eval/online_eval.h"
#include "amem/text/tokenizer.h"

using namespace amem;

namespace {

// Remembers the last `capacity` documents; answers a question with its gold when its document is
// remembered, "" otherwise. With `bank_limit`, instead answers every question right exactly when
// it has absorbed at most that many documents (a memory that distractors overwhelm).
class ForgetfulAdapter : public eval::Adapter {
 public:
  explicit ForgetfulAdapter(size_t capacity, size_t bank_limit = 0)
      : capacity_(capacity), bank_limit_(bank_limit),
        tokenizer_(text::load_tokenizer(AMEM_TEST_DATA_DIR "/models/tiny-gpt2")) {}
  std::string name() const override { return "forgetful"; }
  void absorb(const data::Document& document) override {
    ++absorbed;
    remembered_.push_back(document.text);
    if (remembered_.size() > capacity_) remembered_.pop_front();
    calls.push_back("absorb " + document.id);
  }
  void finish_stream() override { calls.push_back("finish"); }
  std::vector<std::string> answer(const std::vector<data::Question>& questions) override {
    calls.push_back("answer " + std::to_string(questions.size()));
    std::vector<std::string> out;
    for (const auto& q : questions) {
      bool knows = false;
      if (bank_limit_ > 0) knows = absorbed <= bank_limit_;
      for (const auto& text : remembered_) knows = knows || (bank_limit_ == 0 && text == "about " + q.id);
      out.push_back(knows ? q.answers.front() : "");
    }
    return out;
  }
  const text::Tokenizer& answer_tokenizer() const override { return *tokenizer_; }
  size_t absorbed = 0;
  std::vector<std::string> calls;

 private:
  size_t capacity_, bank_limit_;
  std::deque<std::string> remembered_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
};

// `n` documents "d1".."dn", text "about qI", each with one question qI whose gold is "answer I".
data::QADataset stream_of(size_t n, const std::string& prefix = "d") {
  data::QADataset d;
  for (size_t i = 1; i <= n; ++i) {
    data::Document doc;
    doc.id = prefix + std::to_string(i);
    doc.text = "about q" + (prefix == "d" ? "" : prefix) + std::to_string(i);
    data::Question q;
    q.id = "q" + (prefix == "d" ? "" : prefix) + std::to_string(i);
    q.text = "What is " + q.id + "?";
    q.answers = {"answer " + std::to_string(i)};
    q.target = q.answers.front();
    doc.questions = {q};
    d.documents.push_back(doc);
  }
  return d;
}

eval::OnlineEvalOptions quiet(std::ostringstream& sink, std::optional<eval::RetentionSettings> retention = {}) {
  eval::OnlineEvalOptions o;
  o.batch_size = 8;
  o.progress = {&sink, false, [] { return 0.0; }};
  o.retention = retention;
  return o;
}

eval::RetentionSettings retention(int64_t every, int64_t first) { return {every, first, "test: eval.retention.first_documents"}; }

}  // namespace

TEST(Retention, ReAnswersTheFirstDocumentsQuestionsAsTheStreamGrows) {
  // Six documents, a memory of the last two, the first two documents' questions re-asked every
  // three: after 3 documents it holds d2, d3 (q1 forgotten, q2 right: EM 50); at the end d5, d6
  // (EM 0). The final point is the run's own answers, after finish_stream.
  const auto stream = stream_of(6);
  ForgetfulAdapter adapter(2);
  std::ostringstream sink;
  const auto r = eval::run_online_eval(adapter, stream, quiet(sink, retention(3, 2)));
  ASSERT_TRUE(r.retention);
  EXPECT_EQ(r.retention->questions, 2u);
  ASSERT_EQ(r.retention->points.size(), 2u);
  EXPECT_EQ(r.retention->points[0].documents_seen, 3u);
  EXPECT_FALSE(r.retention->points[0].after_finish_stream);
  EXPECT_DOUBLE_EQ(r.retention->points[0].scores.exact_match, 50.0);
  EXPECT_DOUBLE_EQ(r.retention->points[0].scores.f1, 50.0);
  EXPECT_DOUBLE_EQ(r.retention->points[0].scores.reference_exact_match, 50.0);
  EXPECT_EQ(r.retention->points[1].documents_seen, 6u);
  EXPECT_TRUE(r.retention->points[1].after_finish_stream);
  EXPECT_DOUBLE_EQ(r.retention->points[1].scores.exact_match, 0.0);
  // Mid-stream answers come between the absorbs, from the adapter as it stands then.
  EXPECT_EQ(adapter.calls, (std::vector<std::string>{"absorb d1", "absorb d2", "absorb d3", "answer 2", "absorb d4",
                                                     "absorb d5", "absorb d6", "finish", "answer 6"}));
  // ... and change nothing: the run's results are those of a run without the curve.
  ForgetfulAdapter plain(2);
  const auto without = eval::run_online_eval(plain, stream, quiet(sink));
  EXPECT_FALSE(without.retention);
  EXPECT_DOUBLE_EQ(without.exact_match, r.exact_match);
  EXPECT_DOUBLE_EQ(without.exact_match, 100.0 * 2 / 6);  // q5, q6
}

TEST(Retention, PointsStartOnceTheFirstDocumentsAreInAndAFrozenAdapterIsFlat) {
  // Every 1 document from the third on (the first three must be in); a memory that holds all
  // (nothing forgotten) answers the first three right at every point, equal to the final answers.
  const auto stream = stream_of(5);
  ForgetfulAdapter adapter(100);
  std::ostringstream sink;
  const auto r = eval::run_online_eval(adapter, stream, quiet(sink, retention(1, 3)));
  ASSERT_EQ(r.retention->points.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.retention->points[i].documents_seen, 3 + i);
    EXPECT_DOUBLE_EQ(r.retention->points[i].scores.exact_match, 100.0);
    EXPECT_DOUBLE_EQ(r.retention->points[i].scores.f1, 100.0);
  }
  // The last point is the mean of the final predictions of the first three documents.
  double em = 0;
  for (size_t i = 0; i < 3; ++i) em += r.predictions[i].exact_match;
  EXPECT_DOUBLE_EQ(r.retention->points.back().scores.exact_match, em / 3);
}

TEST(Retention, MoreFirstDocumentsThanTheStreamHoldsIsAConfigError) {
  const auto stream = stream_of(2);
  ForgetfulAdapter adapter(1);
  std::ostringstream sink;
  try {
    eval::run_online_eval(adapter, stream, quiet(sink, retention(1, 3)));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "test: eval.retention.first_documents: 3 documents, but the stream has only 2");
  }
  EXPECT_TRUE(adapter.calls.empty()) << "nothing is absorbed before the check";
}

namespace {

eval::DistractorSettings distractor_settings(std::vector<double> fractions, uint64_t seed = 0) {
  eval::DistractorSettings s;
  s.fractions = std::move(fractions);
  s.source.path = "other.csv";
  s.seed = seed;
  s.where = "test: eval.distractors.fractions";
  return s;
}

std::vector<std::string> ids(const data::QADataset& d) {
  std::vector<std::string> out;
  for (const auto& doc : d.documents) out.push_back(doc.id);
  return out;
}

}  // namespace

TEST(Distractors, InsertsSeededDocumentsNestedAcrossFractionsLeavingTheStreamInOrder) {
  const auto stream = stream_of(4);
  auto candidates = stream_of(6, "x");
  candidates.documents[2].text = stream.documents[1].text;  // a stream document read from elsewhere: not a distractor
  const auto settings = distractor_settings({0, 0.5, 1.0});
  const eval::DistractorPool pool(candidates, stream, settings);
  EXPECT_EQ(pool.size(), 5u);
  EXPECT_EQ(pool.count(0.5), 2u);
  EXPECT_EQ(pool.count(1.0), 4u);
  EXPECT_EQ(ids(pool.stream_with(0)), ids(stream)) << "fraction 0 is the plain stream";
  const auto half = pool.stream_with(0.5), full = pool.stream_with(1.0);
  ASSERT_EQ(half.documents.size(), 6u);
  ASSERT_EQ(full.documents.size(), 8u);
  std::vector<std::string> stream_part, half_distractors;
  for (const auto& doc : half.documents) {
    if (doc.id[0] == 'd') {
      stream_part.push_back(doc.id);
    } else {
      half_distractors.push_back(doc.id);
      EXPECT_TRUE(doc.questions.empty());
    }
    EXPECT_NE(doc.id, "x3");
  }
  EXPECT_EQ(stream_part, ids(stream));
  // The larger fraction holds the smaller one's distractors at the same places among the stream.
  std::vector<std::string> full_kept;
  for (const auto& doc : full.documents)
    if (doc.id[0] == 'd' || std::find(half_distractors.begin(), half_distractors.end(), doc.id) != half_distractors.end())
      full_kept.push_back(doc.id);
  EXPECT_EQ(full_kept, ids(half));
  // Seeded: the same seed, the same stream; another seed, another draw.
  EXPECT_EQ(ids(eval::DistractorPool(candidates, stream, settings).stream_with(1.0)), ids(full));
  bool differs = false;
  for (uint64_t seed = 1; seed < 5 && !differs; ++seed)
    differs = ids(eval::DistractorPool(candidates, stream, distractor_settings({1.0}, seed)).stream_with(1.0)) != ids(full);
  EXPECT_TRUE(differs);
}

TEST(Distractors, AFractionTheSourceCannotFillIsAOneLineConfigError) {
  const auto stream = stream_of(4);
  const auto candidates = stream_of(5, "x");
  try {
    eval::DistractorPool(candidates, stream, distractor_settings({0.5, 1.5}));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "test: eval.distractors.fractions: fraction 1.5 needs 6 distractor documents, "
                                     "but other.csv has only 5 that are not in the stream");
  }
}

TEST(Distractors, EachFractionIsAFreshRunScoredOnTheStreamsQuestionsOnly) {
  // A memory that answers right while it holds at most 5 documents: fraction 0 (4 documents) and
  // 0.25 (5) are right on all four questions, 0.5 (6) on none.
  const auto stream = stream_of(4);
  const auto candidates = stream_of(5, "x");
  const auto settings = distractor_settings({0, 0.25, 0.5});
  const eval::DistractorPool pool(candidates, stream, settings);
  std::vector<ForgetfulAdapter*> made;
  std::ostringstream sink;
  const auto curve = eval::run_distractor_curve(
      [&] {
        auto adapter = std::make_unique<ForgetfulAdapter>(100, 5);
        made.push_back(adapter.get());
        return std::unique_ptr<eval::Adapter>(std::move(adapter));
      },
      pool, settings, quiet(sink, retention(1, 1)));
  ASSERT_EQ(curve.points.size(), 3u);
  EXPECT_EQ(curve.pool_documents, 5u);
  EXPECT_EQ(curve.source, "other.csv");
  EXPECT_EQ(curve.points[0].distractor_documents, 0u);
  EXPECT_EQ(curve.points[1].distractor_documents, 1u);
  EXPECT_EQ(curve.points[2].distractor_documents, 2u);
  EXPECT_DOUBLE_EQ(curve.points[0].scores.exact_match, 100.0);
  EXPECT_DOUBLE_EQ(curve.points[1].scores.f1, 100.0);
  EXPECT_DOUBLE_EQ(curve.points[2].scores.exact_match, 0.0);
  EXPECT_DOUBLE_EQ(curve.points[2].fraction, 0.5);
  ASSERT_EQ(made.size(), 3u);
}
