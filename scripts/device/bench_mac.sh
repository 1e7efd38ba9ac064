#!/usr/bin/env bash
# MAC meta-training step speed and peak memory in one device call: builds bench_mac_train against
# the image's LibTorch (CUDA) and runs it for lift ratio 1.0 and 0.25 (one process each, so each
# peak is its own), printing one JSON line per run. Extra arguments go to both runs, e.g.
#   scripts/device/bench_mac.sh --batch 8 --doc-tokens 512
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${OUT:-/tmp}
build=build-gpu
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DTORCH_CUDA_ARCH_LIST=9.0 > "$log_dir/bench_mac_configure.log" 2>&1 ||
  { tail -40 "$log_dir/bench_mac_configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target bench_mac_train > "$log_dir/bench_mac_build.log" 2>&1 ||
  { grep -E "error|Error" -A3 "$log_dir/bench_mac_build.log" | head -60; exit 1; }
for lift in 1.0 0.25; do
  "$build/bin/bench_mac_train" --lift "$lift" "$@"
done
