// MAC's memory bank as `amem eval` (MacAdapter) and `amem memory build` fill, save and reuse it.
//
// A saved bank is stamped with the amortizer that made it (bank_producer): modulations are
// only meaningful to the aggregation network trained with that amortizer, so a bank from other
// weights, another modulation size or another document cut is refused on load.
//
// Its entries are keyed by content (DocumentKeys): a streamed document reuses a stored
// modulation only when the amortizer would read exactly the same tokens, whatever the
// dataset's id says.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "amem/data/qa_document.h"
#include "amem/io/content_hash.h"
#include "amem/memory/memory_bank.h"
#include "amem/methods/mac/mac_model.h"

namespace amem::methods {

// "MAC amortizer <hash>": a hash of the amortization network's parameters (names and values),
// the modulation size and mac.max_document_tokens; what a saved bank is stamped with
// (MemoryBank::save) and checked against. Hashes every amortizer weight (about a second for
// t5-large), so a run computes it once and passes it to both.
std::string bank_producer(MacModel& mac);

// The content keys of a stream's documents: a hash (16 hex digits) of the T5 token ids the
// amortizer reads for the document (after the cut to mac.max_document_tokens and T5's EOS), of
// that cut, and of the amortizer's tokenizer files (the ids' meaning). Documents get one key
// exactly when the amortizer would see the same input, so the dataset's id (a CSV line number
// in StreamingQA) never decides what a bank reuses.
//
// A text that recurs in the stream (StreamingQA repeats a document for each of its questions)
// is stored once per occurrence, as MAC's memory appends every streamed document: its n-th
// occurrence (n >= 2) is keyed "<hash>#n".
class DocumentKeys {
 public:
  // Hashes the tokenizer files of mac.amortizer once; `mac` must outlive this.
  explicit DocumentKeys(const MacModel& mac);
  // The key of the stream's next document, whose text is `text` (counts its occurrence).
  std::string next(const std::string& text);

 private:
  const MacModel& mac_;
  io::ContentHash basis_;  // tokenizer files and cut, hashed once
  std::unordered_map<std::string, int64_t> occurrences_;  // hash -> documents with it so far
};

// The bank a run starts from: the file `load` names (on the model's device, refused unless
// `producer` made it, its modulations converted to `dtype`: memory.dtype), or an empty one.
memory::MemoryBank start_bank(MacModel& mac, const std::optional<std::string>& load, const std::string& producer,
                              torch::ScalarType dtype = torch::kFloat32);

// How amortize_into shares forwards among the documents it amortizes.
enum class AmortizeBatching {
  // One forward for all, each padded to the longest (amem memory build): the fewest forwards;
  // a modulation equals the one-document forward's up to float rounding.
  padded,
  // One forward per group of documents with the same token count, so that none is padded
  // beyond what it is alone (amem eval): on the CPU every modulation equals the one-document
  // forward's bit for bit. On CUDA another batch size may pick another GEMM kernel (rounding).
  same_length,
};

// AmortizeBatching::same_length's forwards: the indices of `token_counts` (documents' T5 token
// counts, in stream order) grouped by count, groups in the order of their first member.
std::vector<std::vector<size_t>> same_length_groups(const std::vector<int64_t>& token_counts);

// What amortize_into did: documents appended to the bank, and amortizer forwards run for them.
struct Amortized {
  int64_t documents = 0;
  int64_t forwards = 0;
};

// Takes the stream's next `documents` (in order): amortizes those whose content key the bank
// does not hold yet (no gradient; forwards shared as `batching` says), converts them to
// `dtype` (memory.dtype) and appends them in order, under their key with their dataset id.
// `bf16_autocast` (memory.bf16_autocast) runs the amortizer's forwards under bf16 autocast.
// When the T5 decoder reads padding (mac.decoder_masks_padding false) and documents are not
// padded to a fixed length (mac.pad_documents_to 0), `padded` batching would make a document's
// modulation depend on its batch's longest member: documents are grouped as `same_length` then.
// Throws amem::Error naming the document when its modulation is not finite.
Amortized amortize_into(MacModel& mac, DocumentKeys& keys, memory::MemoryBank& bank,
                        const std::vector<const data::Document*>& documents,
                        AmortizeBatching batching = AmortizeBatching::padded, torch::ScalarType dtype = torch::kFloat32,
                        bool bf16_autocast = false);

}  // namespace amem::methods
