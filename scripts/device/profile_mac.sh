#!/usr/bin/env bash
# Where the MAC meta-training step's time goes (issue 16, item 2), and what train.foreach_optimizer
# changes, in one device call: builds bench_mac_train against the image's LibTorch (CUDA) and, on
# the gpt2-xl MAC config at lift 1.0 and 0.25, runs the per-parameter optimiser and the foreach one
# (--profile 1 on both: the step's phases, timed between synchronisations, and the Kineto summary:
# GPU busy share of the wall time, GPU time per kernel class, the top kernels, kernel launches, and
# an MFU lower bound from the matmul FLOPs the profiler counts; kernel_profile.h). Ends with one
# summary line per lift: step times, the speed-up, and the loss difference after the same steps
# (the foreach kernels' last-bit rounding). Extra arguments go to every run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train
bench=build-gpu/bin/bench_mac_train
source scripts/device/mac_bench_placeholders.sh
out=$(mktemp)
for lift in 1.0 0.25; do
  for foreach in 0 1; do
    echo "== MAC gpt2-xl, lift $lift, foreach optimiser $foreach"
    "$bench" --lift "$lift" --overrides "$placeholders" --profile 1 --foreach "$foreach" "$@" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if '"impl"' in l]
for plain, fast in zip(runs[0::2], runs[1::2]):
    print(f"summary | lift {plain['lift_ratio']:.2f} | per-parameter {plain['step_s']:.3f} s | foreach {fast['step_s']:.3f} s"
          f" | speed-up {plain['step_s'] / fast['step_s']:.2f}x | loss {plain['loss']:.6f} vs {fast['loss']:.6f}"
          f" | peak {plain['peak_cuda_gib']:.2f} vs {fast['peak_cuda_gib']:.2f} GiB")
PY
rm -f "$out"
