// What the CPU data-parallel tests share: whether this build has Gloo (the GPU image's LibTorch
// ships no Gloo headers and Debian's needs libgloo-dev; such a build refuses a multi-process CPU
// run, so these tests have nothing to run there), and a free TCP port for a rendezvous.
#pragma once

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <gtest/gtest.h>

#if __has_include(<gloo/config.h>)
constexpr bool kBuildHasGloo = true;
#else
constexpr bool kBuildHasGloo = false;
#endif
#define SKIP_WITHOUT_GLOO() \
  if (!kBuildHasGloo) GTEST_SKIP() << "this build has no Gloo headers: CPU data parallelism is refused"

namespace amem::testing {

// A TCP port nobody listens on now (the kernel's choice).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace amem::testing
