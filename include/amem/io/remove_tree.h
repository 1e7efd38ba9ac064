// Deleting a folder and everything in it.
#pragma once

#include <string>

namespace amem::io {

// Removes `path` (a file, or a folder with all its contents); nothing happens when it does
// not exist. Throws amem::Error naming the entry that could not be removed.
//
// Why not std::filesystem::remove_all: in the GPU image's build (GCC 13, C++20, LibTorch 2.11)
// it crashed on non-empty folders inside amem's binaries, while nftw(3) works on both.
void remove_tree(const std::string& path);

}  // namespace amem::io
