// Reading pre-training text: plain text files or xz-compressed ones (.xz, read with liblzma),
// one document per block of lines between blank lines, as ../shared/data/corpus/ lays it out.
#pragma once

#include <string>
#include <vector>

namespace amem::pretrain {

// The documents of `path`, in file order: maximal runs of lines that are not blank (a blank
// line is empty or whitespace alone), joined by "\n" without the final newline; "\r\n" line
// ends read as "\n". A path ending in ".xz" is decompressed (any number of concatenated xz
// streams). `max_documents` >= 0 stops reading after that many (-1: all).
// Errors: amem::Error naming the file when it cannot be read, its xz data is damaged or
// truncated, or it is not valid UTF-8 (naming the byte offset).
std::vector<std::string> read_text_documents(const std::string& path, int64_t max_documents = -1);

}  // namespace amem::pretrain
