#include "amem/io/content_hash.h"

#include <cstdio>
#include <cstring>

namespace amem::io {

namespace {

constexpr uint64_t kPrime = 1099511628211ULL;  // the 64-bit FNV prime

}  // namespace

ContentHash& ContentHash::update(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);  // unaligned-safe load
    state_ = (state_ ^ word) * kPrime;
  }
  for (; i < size; ++i) state_ = (state_ ^ bytes[i]) * kPrime;
  return *this;
}

ContentHash& ContentHash::update(const std::string& text) {
  const uint64_t length = text.size();  // the length first: "ab"+"c" and "a"+"bc" differ
  update(&length, sizeof length);
  return update(text.data(), text.size());
}

ContentHash& ContentHash::update(const torch::Tensor& tensor) {
  update(std::string(c10::toString(tensor.scalar_type())));
  for (const int64_t d : tensor.sizes()) update(&d, sizeof d);
  const auto bytes = tensor.detach().to(torch::kCPU).contiguous();
  return update(bytes.data_ptr(), size_t(bytes.numel()) * bytes.element_size());
}

std::string ContentHash::hex() const {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(state_));
  return text;
}

}  // namespace amem::io
