#!/usr/bin/env bash
# T5 span-corruption pre-training on the GPU (one `device` call): build amem, pre-train the
# tiny T5 of configs/pretrain/tiny_t5.yaml on CUDA with a bf16 forward, then check that
# transformers loads the folder it wrote and computes the same loss on the same corrupted
# validation examples (scripts/device/check_t5_export.py prints both). Logs go to $OUT.
# Usage: scripts/device/pretrain_t5_check.sh [extra overrides for amem pretrain...]
set -euo pipefail
cd "$(dirname "$0")/../.."
log_dir=${OUT:-/tmp}
scripts/device/build_gpu.sh amem
runs=$(mktemp -d)
start=$(date +%s)
build-gpu/bin/amem pretrain configs/pretrain/tiny_t5.yaml model.device=cuda train.bf16_autocast=true \
  run.output_dir="$runs" "$@" > "$log_dir/pretrain_t5.log" 2>&1 || { tail -30 "$log_dir/pretrain_t5.log"; exit 1; }
echo "pretrain_t5_check: amem pretrain took $(( $(date +%s) - start )) s"
grep -E "validation at step" "$log_dir/pretrain_t5.log" | tail -2
python3 scripts/device/check_t5_export.py "$(ls -d "$runs"/*/ | head -1)"
