// MAC's memory bank as `amem eval` (MacAdapter) and `amem memory build` fill, save and reuse it.
//
// A saved bank is stamped with the amortizer that made it (bank_producer): modulations are
// only meaningful to the aggregation network trained with that amortizer, so a bank from other
// weights, another modulation size or another document cut is refused on load.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/memory/memory_bank.h"
#include "amem/methods/mac/mac_model.h"

namespace amem::methods {

// "MAC amortizer <hash>": a hash of the amortization network's parameters (names and values),
// the modulation size and mac.max_document_tokens; what a saved bank is stamped with
// (MemoryBank::save) and checked against. Hashes every amortizer weight (about a second for
// t5-large), so a run computes it once and passes it to both.
std::string bank_producer(MacModel& mac);

// The bank a run starts from: the file `load` names (on the model's device, refused unless
// `producer` made it), or an empty one.
memory::MemoryBank start_bank(MacModel& mac, const std::optional<std::string>& load, const std::string& producer);

// Amortizes `documents` (one forward for all of them, no gradient) and appends those the bank
// does not hold yet, in order. Returns how many were appended.
int64_t amortize_into(MacModel& mac, memory::MemoryBank& bank, const std::vector<const data::Document*>& documents);

}  // namespace amem::methods
