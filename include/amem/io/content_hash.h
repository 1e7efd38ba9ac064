// A 64-bit hash of bytes, for telling whether stored content is the content that was written
// (memory-bank checksums) and whether two sets of weights are the same (the MAC amortizer that
// made a memory bank). Not cryptographic: it catches accidents, not adversaries.
//
// The mixing step is FNV-1a's (xor, then multiply by the 64-bit FNV prime), applied to 8-byte
// words rather than single bytes so that hashing gigabytes of weights takes about a second;
// trailing bytes are mixed one at a time. Hashes therefore differ from textbook FNV-1a, but
// are stable across machines of the same byte order.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace amem::io {

class ContentHash {
 public:
  ContentHash& update(const void* data, size_t size);
  ContentHash& update(const std::string& text);
  // The tensor's bytes in its own dtype, row-major (copied to the CPU if needed), preceded by
  // its dtype and shape so that reinterpretations of the same bytes hash differently.
  ContentHash& update(const torch::Tensor& tensor);

  uint64_t value() const { return state_; }
  std::string hex() const;  // 16 lowercase hex digits

 private:
  uint64_t state_ = 14695981039346656037ULL;  // the FNV-1a 64 offset basis
};

}  // namespace amem::io
