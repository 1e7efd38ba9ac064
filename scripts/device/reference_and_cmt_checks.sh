#!/usr/bin/env bash
# Issue 13 and 14's GPU checks in one call, most needed first (each later step is skipped when
# less than its estimate is left of the ten-minute call, so what ran still comes back):
#   1. make_mac_reference_checkpoint.py: the tiny reference-layout MAC checkpoint and what the
#      reference computes with it ($OUT/mac_reference/, committed as tests/data/mac_reference/),
#      then ReferenceCheckpoint.* against it on this machine's build
#   2. group_beam_check.sh: amem's group beam search beside the torch re-creation of 4.36.2's
#   3. bench_cmt.sh: the gpt2-xl CMT meta-training step beside MAC's
# Usage (device tool): scripts/device/reference_and_cmt_checks.sh [DEADLINE_S, default 560]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/checks-out}; mkdir -p "$out"; export OUT=$out
deadline=${1:-560}
began=$(date +%s)
left() { echo $(( deadline - ($(date +%s) - began) )); }

python3 scripts/device/make_mac_reference_checkpoint.py --out "$out/mac_reference"
mkdir -p tests/data/mac_reference && cp "$out"/mac_reference/* tests/data/mac_reference/
bash scripts/device/build_gpu.sh amem_tests bench_mac_train
build-gpu/bin/amem_tests --gtest_filter='ReferenceCheckpoint.*:ReferenceLayout.*:TorchSave.*:MacPadding.*' 2>&1 |
  tee "$out/reference_import.log" | grep -E "^\[ +(OK|FAILED|SKIPPED|PASSED) |Failure|Expected|Which is" | head -30

if (( $(left) > 60 )); then bash scripts/device/group_beam_check.sh | tail -15
else echo "checks: group beam check skipped ($(left) s left)"; fi
if (( $(left) > 200 )); then bash scripts/device/bench_cmt.sh --steps 3 --warmup 1 2>&1 | grep -vE "^\[" | tail -8
else echo "checks: CMT bench skipped ($(left) s left)"; fi
echo "checks: took $(( $(date +%s) - began )) s"
