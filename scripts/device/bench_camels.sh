#!/usr/bin/env bash
# CaMeLS meta-training speed and memory in one device call: builds bench_camels_step against the
# image's LibTorch (CUDA) and runs it with sequential_update on and off (one process each, so each
# peak-memory figure is its own). Extra arguments go to both runs, e.g. --base gpt2-xl --batch 6.
# Usage: scripts/device/bench_camels.sh [--base distilgpt2] [--batch 6] [--doc-tokens 512] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_camels_step
build=build-gpu
for sequential in 1 0; do
  "$build/bin/bench_camels_step" --sequential "$sequential" "$@"
done
