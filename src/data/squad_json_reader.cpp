#include "amem/data/squad_json_reader.h"

#include <nlohmann/json.hpp>

#include "amem/core/error.h"
#include "amem/data/answer_rules.h"
#include "amem/io/utf8_file.h"

namespace amem::data {

namespace {

using nlohmann::json;

const json& member(const std::string& path, const json& object, const char* key, json::value_t type,
                   const std::string& where) {
  const auto it = object.find(key);
  if (!object.is_object() || it == object.end() || it->type() != type) {
    throw Error(path + ": " + where + "." + key + ": missing or not " +
                (type == json::value_t::array ? "an array" : "a string") + " (expected SQuAD v1.1 JSON)");
  }
  return *it;
}

// The question's answer texts, or the problem that makes the row malformed.
std::vector<std::string> answer_texts(const json& qa, std::string& problem) {
  const auto answers = qa.find("answers");
  if (answers == qa.end() || !answers->is_array()) {
    problem = "'answers' is missing or not an array";
    return {};
  }
  std::vector<std::string> texts;
  for (const auto& answer : *answers) {
    const auto text = answer.is_object() ? answer.find("text") : answer.end();
    if (!answer.is_object() || text == answer.end() || !text->is_string()) {
      problem = "an answer without a string 'text'";
      return {};
    }
    texts.push_back(text->get<std::string>());
  }
  return texts;
}

}  // namespace

QADataset read_squad_json(const std::string& path, const SquadOptions& options) {
  const std::string text = io::read_utf8_file(path);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
  QADatasetBuilder builder(path);
  auto& report = builder.report();

  std::size_t row = 0;
  const json& articles = member(path, root, "data", json::value_t::array, "(top level)");
  for (std::size_t a = 0; a < articles.size(); ++a) {
    const std::string article_path = "data[" + std::to_string(a) + "]";
    // An article may lack a title (the Hugging Face loader reads it as ""); then all its
    // paragraphs still form one group.
    const bool titled = articles[a].is_object() && articles[a].contains("title");
    const std::string title =
        titled ? member(path, articles[a], "title", json::value_t::string, article_path).get<std::string>() : "";
    const json& paragraphs = member(path, articles[a], "paragraphs", json::value_t::array, article_path);
    for (std::size_t p = 0; p < paragraphs.size(); ++p) {
      const std::string paragraph_path = article_path + ".paragraphs[" + std::to_string(p) + "]";
      const json& context = member(path, paragraphs[p], "context", json::value_t::string, paragraph_path);
      const json& qas = member(path, paragraphs[p], "qas", json::value_t::array, paragraph_path);
      const Document document{title + "#" + std::to_string(p), title, title, context.get<std::string>(), {}};
      for (std::size_t q = 0; q < qas.size(); ++q, ++row) {
        if (row < options.first_row || row >= options.end_row) continue;
        ++report.records;
        const std::string where = paragraph_path + ".qas[" + std::to_string(q) + "]";
        const json& qa = qas[q];
        if (!qa.is_object()) {
          report.add_bad({RowProblem::bad_value, 0, where, "not an object"});
          continue;
        }
        std::string problem;
        std::vector<std::string> answers = answer_texts(qa, problem);
        const auto question = qa.find("question");
        const auto id = qa.find("id");
        if (!problem.empty()) {
          report.add_bad({RowProblem::bad_value, 0, where, problem});
        } else if (question == qa.end() || !question->is_string() || (id != qa.end() && !id->is_string())) {
          report.add_bad({RowProblem::bad_value, 0, where, "'question' or 'id' is missing or not a string"});
        } else if (strip_whitespace(document.text).empty()) {
          report.add_bad({RowProblem::empty_text, 0, where, "empty 'context'"});
        } else if (strip_whitespace(question->get<std::string>()).empty()) {
          report.add_bad({RowProblem::empty_question, 0, where, "empty 'question'"});
        } else if (drop_blank_answers(answers).empty()) {
          report.add_bad({RowProblem::empty_answers, 0, where, "no non-empty answer text"});
        } else {
          Question entry;
          entry.id = id != qa.end() ? id->get<std::string>() : where;
          entry.text = strip_whitespace(question->get<std::string>());
          entry.answers = drop_blank_answers(std::move(answers));
          entry.target = squad_target(entry.answers);
          builder.add(document, std::move(entry));
        }
      }
    }
  }
  return std::move(builder).finish(options.limits);
}

}  // namespace amem::data
