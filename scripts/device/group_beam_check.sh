#!/usr/bin/env bash
# Group beam search on a real model, in one call on the GPU machine: amem's answers beside a
# re-creation of transformers 4.36.2's group beam search (the device's transformers 5.x no longer
# has it) driving the same tiny GPT-2 through transformers, with and without a P-tuning prefix.
# Builds amem_tests against the image's LibTorch, writes the reference side with
# scripts/device/group_beam_check.py, then runs GroupBeamSearch.DeviceGoldens on it (CPU and,
# when present, CUDA). Prints both sides' agreement; files go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}
build=build-gpu
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DTORCH_CUDA_ARCH_LIST=9.0 -DAMEM_BUILD_BENCH=OFF > "$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target amem_tests > "$out/build.log" 2>&1 ||
  { grep -E "error|Error" -A3 "$out/build.log" | head -60; exit 1; }
echo "group_beam_check: build took $(( $(date +%s) - start )) s"
python3 scripts/device/group_beam_check.py "$out/group_beam_device.json"
AMEM_GROUP_BEAM_DEVICE_GOLDENS="$out/group_beam_device.json" \
  "$build/bin/amem_tests" --gtest_filter='GroupBeamSearch.*' 2>&1 | tee "$out/group_beam_check.log" | tail -40
