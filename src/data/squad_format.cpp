#include "amem/data/squad_format.h"

#include "amem/data/answer_rules.h"

namespace amem::data {

std::string squad_target(const std::vector<std::string>& answers) {
  return capitalize_first(strip_whitespace(shortest_answer(answers)));
}

}  // namespace amem::data
