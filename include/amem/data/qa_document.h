// The unit of an online-adaptation stream: a document, and the questions asked about it
// after the model has seen it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace amem::data {

struct Question {
  std::string id;                    // the dataset's id where it has one, else "line N"
  std::string text;                  // stripped of surrounding whitespace, as the reference does
  std::vector<std::string> answers;  // every gold answer, as in the file: scoring takes the best
  std::string target;                // the one answer the model is trained to produce
  std::size_t line = 0;              // CSV line where its record starts; 0 for JSON
};

struct Document {
  std::string id;     // stable name: "<title>#<paragraph>" (SQuAD), "<doc_id>#<para_num>" (ArchivalQA), "line N"
  std::string title;  // empty where the format has none
  std::string group;  // documents of one group stay together and in order when a stream is shuffled
  std::string text;
  std::vector<Question> questions;
};

}  // namespace amem::data
