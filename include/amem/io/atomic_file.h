// Writing files so that readers never see half of one. Checkpoints, memory banks, configs
// and result files all go through here: the bytes are written to a temporary file in the
// destination folder, flushed to disk, and renamed over the destination in one step.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace amem::io {

// Calls `write` with a stream onto a temporary file next to `path`, then renames it to
// `path`. If `write` throws or the stream fails, the temporary file is removed, `path` is
// left as it was, and the error propagates (as amem::Error for I/O failures).
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);

void write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace amem::io
