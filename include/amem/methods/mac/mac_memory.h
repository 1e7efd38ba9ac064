// MAC's memory bank as `amem eval` (MacAdapter) and `amem memory build` fill, save and reuse it.
//
// A saved bank is stamped with the amortizer that made it (bank_producer): modulations are
// only meaningful to the aggregation network trained with that amortizer, so a bank from other
// weights, another modulation size or another document cut is refused on load.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/memory/memory_bank.h"
#include "amem/methods/mac/mac_model.h"

namespace amem::methods {

// "MAC amortizer <hash>": a hash of the amortization network's parameters (names and values),
// the modulation size and mac.max_document_tokens. Hashes every amortizer weight (about a
// second for t5-large), so callers compute it once, when a bank is saved or loaded.
std::string bank_producer(MacModel& mac);

// The bank a run starts from: the file `load` names (on the model's device, refused when
// another amortizer made it), or an empty one.
memory::MemoryBank start_bank(MacModel& mac, const std::optional<std::string>& load);

// Amortizes `documents` (one forward for all of them, no gradient) and appends those the bank
// does not hold yet, in order. Returns how many were appended.
int64_t amortize_into(MacModel& mac, memory::MemoryBank& bank, const std::vector<const data::Document*>& documents);

// Writes `bank` atomically to `path`, stamped with bank_producer(mac).
void save_bank(MacModel& mac, const memory::MemoryBank& bank, const std::filesystem::path& path);

}  // namespace amem::methods
