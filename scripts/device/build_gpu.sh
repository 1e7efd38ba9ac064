#!/usr/bin/env bash
# Configures amem against the device image's LibTorch (Python torch 2.x + CUDA) in build-gpu/ and
# builds the given targets; the bench scripts start with it. Logs go to $OUT (else /tmp); on a
# failure the tail of the configure log or the build errors are printed.
# Usage: scripts/device/build_gpu.sh TARGET...
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${OUT:-/tmp}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
start=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DTORCH_CUDA_ARCH_LIST=9.0 > "$log_dir/bench_configure.log" 2>&1 ||
  { tail -40 "$log_dir/bench_configure.log"; exit 1; }
cmake --build build-gpu -j"$(nproc)" --target "$@" > "$log_dir/bench_build.log" 2>&1 ||
  { grep -E "error|Error" -A3 "$log_dir/bench_build.log" | head -60; exit 1; }
echo "build_gpu: configure + build of $* took $(( $(date +%s) - start )) s"
