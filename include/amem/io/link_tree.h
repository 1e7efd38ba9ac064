// Giving a folder a second name without copying its bytes.
#pragma once

#include <filesystem>

namespace amem::io {

// Recreates the folder `from` (with its sub-folders) as `to`, which must not exist: every file
// is hard-linked, or copied where the filesystem cannot link (another device, no link support).
// A link shares the file's contents, so this is a snapshot only of files that are replaced by
// renaming a new file over them, never written in place — as every amem output is
// (atomic_file.h, atomic_folder.h). Throws amem::Error naming the entry that failed.
//
// Why not std::filesystem::copy(..., recursive | create_hard_links): it has no fallback to
// copying, and remove_tree.h explains why amem avoids libstdc++'s recursive filesystem walks.
void link_tree(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace amem::io
