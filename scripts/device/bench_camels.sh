#!/usr/bin/env bash
# CaMeLS meta-training speed and memory in one device call: builds bench_camels_step against the
# image's LibTorch (CUDA) and runs it with sequential_update on and off (one process each, so each
# peak-memory figure is its own). Extra arguments go to both runs, e.g. --base gpt2-xl --batch 6.
# Usage: scripts/device/bench_camels.sh [--base distilgpt2] [--batch 6] [--doc-tokens 512] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${OUT:-/tmp}
build=build-gpu
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DTORCH_CUDA_ARCH_LIST=9.0 > "$log_dir/bench_configure.log" 2>&1 ||
  { tail -40 "$log_dir/bench_configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target bench_camels_step > "$log_dir/bench_build.log" 2>&1 ||
  { grep -E "error|Error" -A3 "$log_dir/bench_build.log" | head -60; exit 1; }
for sequential in 1 0; do
  "$build/bin/bench_camels_step" --sequential "$sequential" "$@"
done
