#!/usr/bin/env bash
# Group beam search on a real model, in one call on the GPU machine: amem's answers beside a
# re-creation of transformers 4.36.2's group beam search (the device's transformers 5.x no longer
# has it) driving the same tiny GPT-2 through transformers, with and without a P-tuning prefix.
# Builds amem_tests against the image's LibTorch (build_gpu.sh), writes the reference side with
# scripts/device/group_beam_check.py, then runs GroupBeamSearch.DeviceGoldens on it (CPU and,
# when present, CUDA). Prints both sides' agreement; files go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}
build=build-gpu
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
bash scripts/device/build_gpu.sh amem_tests
python3 scripts/device/group_beam_check.py "$out/group_beam_device.json"
AMEM_GROUP_BEAM_DEVICE_GOLDENS="$out/group_beam_device.json" \
  "$build/bin/amem_tests" --gtest_filter='GroupBeamSearch.*' 2>&1 | tee "$out/group_beam_check.log" | tail -40
