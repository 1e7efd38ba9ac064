// The c10d classes amem uses, across the two LibTorch versions it builds against: Debian's 1.13
// (CPU, Gloo) and the GPU image's 2.x (NCCL and Gloo). Every version difference of the
// distributed code is here, under #if on TORCH_VERSION_MAJOR or on what this build has.
#pragma once

#include <torch/version.h>

// ProcessGroupGloo.hpp is empty unless USE_C10D_GLOO is defined (torch's own build defines it);
// LibTorch ships the Gloo symbols, so it is usable wherever the Gloo headers are installed
// (Debian: libgloo-dev).
#if __has_include(<gloo/config.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define AMEM_HAVE_GLOO 1
#endif

// CMake defines AMEM_WITH_NCCL for a CUDA LibTorch when it finds nccl.h (CMakeLists.txt).
#ifdef AMEM_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace amem::distributed::c10d_backends {

// The class both ProcessGroupGloo and ProcessGroupNCCL derive from, which has the collectives:
// in 1.13 they are ProcessGroups; 2.x made them Backends that a ProcessGroup dispatches to, and
// amem needs no dispatch (one backend per run).
#if TORCH_VERSION_MAJOR >= 2
using Collectives = ::c10d::Backend;
#else
using Collectives = ::c10d::ProcessGroup;
#endif

// What a collective returns (ProcessGroup::Work in 1.x headers, c10d::Work in 2.x).
using WorkPtr = decltype(std::declval<Collectives&>().barrier());

#ifdef USE_C10D_NCCL
// Options of a NCCL group with the timeout after which its watchdog gives up on a collective.
inline c10::intrusive_ptr<::c10d::ProcessGroupNCCL::Options> nccl_options(std::chrono::milliseconds timeout) {
  auto options = ::c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return options;
}
#endif

}  // namespace amem::distributed::c10d_backends
