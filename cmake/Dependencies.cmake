# Third-party libraries, found the same way on Debian 12 (LibTorch 1.13, CPU) and on the
# GPU image (LibTorch 2.11 + CUDA from Python torch). See shared TOOLCHAIN notes for the traps.

# --- yaml-cpp: the target is `yaml-cpp` in 0.7 (Debian) and `yaml-cpp::yaml-cpp` in 0.8.
find_package(yaml-cpp REQUIRED)
if(TARGET yaml-cpp::yaml-cpp)
  set(AMEM_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(AMEM_YAML_TARGET yaml-cpp)
endif()

# --- nlohmann/json: header only; some images ship no CMake package for it.
find_path(AMEM_NLOHMANN_INCLUDE nlohmann/json.hpp REQUIRED)

# --- spdlog vs fmt. Python torch ships its own, newer fmt in torch/include; with that include
# path first, the system spdlog (built for the system fmt) does not compile. There we use
# spdlog header-only in std::format mode, which needs C++20. Debian's torch uses the system
# fmt, so the ordinary compiled spdlog target is right there.
set(AMEM_TORCH_SHIPS_FMT OFF)
foreach(dir ${TORCH_INCLUDE_DIRS})
  if(NOT dir STREQUAL "/usr/include" AND EXISTS "${dir}/fmt/core.h")
    set(AMEM_TORCH_SHIPS_FMT ON)
  endif()
endforeach()
if(AMEM_TORCH_SHIPS_FMT)
  set(CMAKE_CXX_STANDARD 20)
  find_path(AMEM_SPDLOG_INCLUDE spdlog/spdlog.h REQUIRED)
  add_library(amem_spdlog INTERFACE)
  target_include_directories(amem_spdlog SYSTEM INTERFACE ${AMEM_SPDLOG_INCLUDE})
  target_compile_definitions(amem_spdlog INTERFACE SPDLOG_USE_STD_FORMAT SPDLOG_HEADER_ONLY)
  message(STATUS "amem: torch ships its own fmt -> spdlog header-only with std::format (C++20)")
else()
  set(CMAKE_CXX_STANDARD 17)
  find_package(spdlog REQUIRED)
  add_library(amem_spdlog INTERFACE)
  target_link_libraries(amem_spdlog INTERFACE spdlog::spdlog)
endif()
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)

# --- sentencepiece: only the amem_spm shim links it (never the program; see the shim).
find_path(AMEM_SPM_INCLUDE sentencepiece_processor.h REQUIRED)
find_library(AMEM_SPM_LIBRARY sentencepiece REQUIRED)

# --- CLI11 (the command line's flags; header only): the installed package first (Debian
# libcli11-dev, which scripts/setup.sh installs); where none is installed and nothing can be
# (the GPU image), the unmodified copy of the same headers in third_party/CLI11 (BSD-3, with
# its LICENSE). Only the program links it.
find_package(CLI11 CONFIG QUIET)
if(TARGET CLI11::CLI11)
  set(AMEM_CLI11_TARGET CLI11::CLI11)
else()
  add_library(amem_cli11 INTERFACE)
  target_include_directories(amem_cli11 SYSTEM INTERFACE ${PROJECT_SOURCE_DIR}/third_party/CLI11/include)
  set(AMEM_CLI11_TARGET amem_cli11)
  message(STATUS "amem: CLI11 not installed -> third_party/CLI11")
endif()

# --- PLplot (the plots of `amem report`; C API): Debian libplplot-dev, with plplot-driver-cairo
# for PNG. Optional: the GPU image has no Debian packages, and there amem builds without plots
# (`amem report` then writes its tables and says why it drew nothing).
find_path(AMEM_PLPLOT_INCLUDE plplot.h PATH_SUFFIXES plplot)
find_library(AMEM_PLPLOT_LIBRARY plplot)
if(AMEM_PLPLOT_INCLUDE AND AMEM_PLPLOT_LIBRARY)
  set(AMEM_HAVE_PLPLOT ON)
else()
  set(AMEM_HAVE_PLPLOT OFF)
  message(STATUS "amem: PLplot not found -> amem report without plots (install libplplot-dev)")
endif()

add_library(amem_deps INTERFACE)
target_link_libraries(amem_deps INTERFACE ${AMEM_YAML_TARGET} amem_spdlog)
target_include_directories(amem_deps SYSTEM INTERFACE ${AMEM_NLOHMANN_INCLUDE})

# --- GoogleTest: a CMake package on Debian; only sources under /usr/src on the GPU image.
if(AMEM_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    if(EXISTS /usr/src/googletest/CMakeLists.txt)
      set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
      add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
      add_library(GTest::gtest_main ALIAS gtest_main)
    else()
      message(FATAL_ERROR "GoogleTest not found (install googletest / libgtest-dev)")
    endif()
  endif()
endif()

# --- One precompiled <torch/torch.h> shared by every target: a torch TU costs ~17 s plain,
# ~9 s with the PCH (measured on the 2-core CI machine). Sources that do not include torch
# mark themselves with the SKIP_PRECOMPILE_HEADERS property through amem_plain_sources().
function(amem_use_torch_pch target)
  if(AMEM_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
function(amem_reuse_torch_pch target)
  if(AMEM_PCH)
    target_precompile_headers(${target} REUSE_FROM amem_lib)
  endif()
endfunction()

# --- liblzma (Debian liblzma-dev): reads the .xz pre-training text (pretrain/text_corpus.h).
# The GPU image has the shared library (Python's lzma module needs it) but not the headers, and
# nothing can be installed there: then the unmodified headers in third_party/liblzma and the
# library itself (third_party/liblzma/README.md).
find_package(LibLZMA QUIET)
if(TARGET LibLZMA::LibLZMA)
  target_link_libraries(amem_deps INTERFACE LibLZMA::LibLZMA)
else()
  find_library(AMEM_LZMA_LIBRARY NAMES lzma liblzma.so.5 REQUIRED)
  add_library(amem_lzma INTERFACE)
  target_include_directories(amem_lzma SYSTEM INTERFACE ${PROJECT_SOURCE_DIR}/third_party/liblzma/include)
  target_link_libraries(amem_lzma INTERFACE ${AMEM_LZMA_LIBRARY})
  target_link_libraries(amem_deps INTERFACE amem_lzma)
  message(STATUS "amem: liblzma headers not installed -> third_party/liblzma with ${AMEM_LZMA_LIBRARY}")
endif()

# --- c10d backends of data-parallel training (src/distributed/c10d_backends.h). Gloo (CPU) needs
# only its headers, found by __has_include (Debian libgloo-dev; LibTorch has the symbols). NCCL
# (CUDA) needs nccl.h, which a CUDA LibTorch from pip has beside it in the nvidia-nccl package;
# without it amem builds and trains on one GPU, and refuses a multi-GPU launch with a message.
set(AMEM_WITH_NCCL OFF)
if(TORCH_CUDA_LIBRARIES OR C10_CUDA_LIBRARY)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  set(amem_nccl_hint "")
  if(Python3_FOUND)
    execute_process(COMMAND ${Python3_EXECUTABLE} -c
      "import os, nvidia.nccl; print(os.path.join(list(nvidia.nccl.__path__)[0], 'include'))"
      OUTPUT_VARIABLE amem_nccl_hint OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  find_path(AMEM_NCCL_INCLUDE nccl.h HINTS ${amem_nccl_hint} ${TORCH_INCLUDE_DIRS} /usr/local/cuda/include)
  if(AMEM_NCCL_INCLUDE)
    set(AMEM_WITH_NCCL ON)
    message(STATUS "amem: NCCL headers in ${AMEM_NCCL_INCLUDE} -> multi-GPU training through ProcessGroupNCCL")
  else()
    message(WARNING "amem: CUDA LibTorch but no nccl.h -> no multi-GPU training (pip install nvidia-nccl-cu12)")
  endif()
endif()
