#!/usr/bin/env bash
# MAC meta-training step speed and peak memory in one device call: builds bench_mac_train against
# the image's LibTorch (CUDA) and runs it for lift ratio 1.0 and 0.25 (one process each, so each
# peak is its own), printing one JSON line per run. Extra arguments go to both runs, e.g.
#   scripts/device/bench_mac.sh --batch 8 --doc-tokens 512
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train
build=build-gpu
source scripts/device/mac_bench_placeholders.sh
for lift in 1.0 0.25; do
  "$build/bin/bench_mac_train" --lift "$lift" --overrides "$placeholders" "$@"
done
