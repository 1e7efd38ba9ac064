// SQuAD v1.1 in its official JSON form:
// {"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question", "answers": [{"text"}]}]}]}]}.
// See squad_format.h for rows, targets and grouping; "title" and "id" may be absent. A
// question whose fields are missing, empty or of the wrong type is a malformed row (located by
// its JSON path); a file that is not JSON or lacks the article/paragraph structure is an error.
#pragma once

#include <string>

#include "amem/data/qa_dataset.h"
#include "amem/data/squad_format.h"

namespace amem::data {

QADataset read_squad_json(const std::string& path, const SquadOptions& options = {});

}  // namespace amem::data
