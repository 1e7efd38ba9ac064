// Reading the Python literals that pandas writes into CSV cells when a column holds lists or
// dicts: the flat SQuAD CSV the reference evaluates on stores each row's answers as
// str({'text': [...], 'answer_start': [...]}) and reads them back with ast.literal_eval.
// Only what repr() produces for such values is accepted: str ('...' or "..." with
// backslash escapes), int, float, None, True, False, list, tuple and dict.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amem::data {

struct PythonLiteral {
  enum class Kind { none, boolean, number, string, list, dict };
  Kind kind = Kind::none;
  std::string text;                  // string: the decoded UTF-8 value; number, boolean: as written
  std::vector<PythonLiteral> items;  // list and tuple elements
  std::vector<std::pair<PythonLiteral, PythonLiteral>> entries;  // dict, in written order

  // The dict value under string key `key`, or nullptr.
  const PythonLiteral* find(std::string_view key) const;
};

// Throws amem::Error("<what is wrong> at character N") for text that is not one literal.
PythonLiteral parse_python_literal(std::string_view text);

}  // namespace amem::data
