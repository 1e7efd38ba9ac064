#!/usr/bin/env bash
# MAC's online adaptation speed in one device call: builds bench_mac_memory against the image's
# LibTorch (CUDA) and runs it (amortization per document, fp32 vs bf16 autocast, one vs a batch
# per forward; aggregation over banks of several sizes, whole vs windowed). Arguments go to it, e.g.
#   scripts/device/bench_mac_memory.sh --banks 16,128,1024,4096
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_memory
source scripts/device/mac_bench_placeholders.sh
build-gpu/bin/bench_mac_memory --overrides "$placeholders" "$@"
