// SQuAD v1.1 as a flat CSV, one row per question, as pandas writes the Hugging Face `squad`
// rows (the MAC evaluation file squad_test.csv is one). Required columns: `title`, `context`,
// `question`, `answers`; optional `id`. The `answers` cell is the Python repr of the row's
// answers, {'text': [...], 'answer_start': [...]}, which the reference reads back with
// ast.literal_eval; a plain list of strings is accepted too. A cell that is neither is a
// malformed row (bad value). See squad_format.h for rows, targets and grouping.
#pragma once

#include <string>

#include "amem/data/qa_dataset.h"
#include "amem/data/squad_format.h"

namespace amem::data {

QADataset read_squad_csv(const std::string& path, const SquadOptions& options = {});

}  // namespace amem::data
