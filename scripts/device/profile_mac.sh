#!/usr/bin/env bash
# Where the MAC meta-training step's time goes (issue 16, item 2), in one device call: builds
# bench_mac_train against the image's LibTorch (CUDA) and runs it with --profile 1 on the gpt2-xl
# MAC config at lift 1.0 and 0.25, with and without the no-grad metric forwards, and on the CMT
# config. Each run prints its timing JSON line, the step's phases (objective forward, backward,
# clipping + AdamW, timed between synchronisations), and the Kineto summary: GPU busy share of the
# wall time, GPU time per kernel class, the top kernels, and an MFU lower bound from the matmul
# FLOPs the profiler counts (kernel_profile.h). Extra arguments go to every run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train
bench=build-gpu/bin/bench_mac_train
source scripts/device/mac_bench_placeholders.sh
for lift in 1.0 0.25; do
  echo "== MAC gpt2-xl, lift $lift, with metrics"
  "$bench" --lift "$lift" --overrides "$placeholders" --profile 1 --steps 3 "$@"
done
echo "== MAC gpt2-xl, lift 1.0, without metrics"
"$bench" --lift 1.0 --overrides "$placeholders" --metrics 0 --profile 1 --steps 3 "$@"
echo "== CMT gpt2-xl, lift 0.25, with metrics"
"$bench" --config configs/cmt/gpt2_xl.yaml --overrides "$placeholders" --profile 1 --steps 3 "$@"
