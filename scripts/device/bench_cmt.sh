#!/usr/bin/env bash
# CMT's gpt2-xl meta-training step beside MAC's, in one device call (five bench_mac_train runs):
# builds bench_mac_train against the image's LibTorch (CUDA) and runs it, one process each (so
# each CUDA peak is its own), at the configs' lift ratio 0.25, on
#   1. configs/mac/gpt2_xl.yaml                              MAC, as `amem train` steps (with metrics)
#   2. configs/cmt/gpt2_xl.yaml                              CMT, with metrics
#   3. configs/cmt/gpt2_xl.yaml cmt.memory_aware.enabled=false   with metrics
#   4., 5. the two CMT runs again with --metrics 0
# With metrics the memory-aware objective's no-prefix forward is the one the qa_loss_base metric
# runs anyway (mac_objective.cpp shares it), so 2 - 3 is its cost in `amem train`; 4 - 5 is the
# bare cost of its extra no-grad forward. Prints the JSON lines, then one summary line.
# Extra arguments go to every run, e.g.
#   scripts/device/bench_cmt.sh --batch 8 --doc-tokens 512 --steps 5
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/device/build_gpu.sh bench_mac_train
bench=build-gpu/bin/bench_mac_train
out=$(mktemp)
source scripts/device/mac_bench_placeholders.sh
no_memory_aware="$placeholders;cmt.memory_aware.enabled=false"
"$bench" --config configs/mac/gpt2_xl.yaml --overrides "$placeholders" "$@" | tee -a "$out"
"$bench" --config configs/cmt/gpt2_xl.yaml --overrides "$placeholders" "$@" | tee -a "$out"
"$bench" --config configs/cmt/gpt2_xl.yaml --overrides "$no_memory_aware" "$@" | tee -a "$out"
"$bench" --config configs/cmt/gpt2_xl.yaml --overrides "$placeholders" --metrics 0 "$@" | tee -a "$out"
"$bench" --config configs/cmt/gpt2_xl.yaml --overrides "$no_memory_aware" --metrics 0 "$@" | tee -a "$out"
python3 - "$out" <<'PY'
import json, sys
mac, cmt, cmt_plain, bare, bare_plain = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def row(name, r):
    return f"{name}: step {r['step_s']:.3f} s, peak {r['peak_cuda_gib']:.2f} GiB"
def cost(a, b):
    return (f"{a['step_s'] - b['step_s']:+.3f} s/step ({(a['step_s'] / b['step_s'] - 1) * 100:+.1f}%), "
            f"{a['peak_cuda_gib'] - b['peak_cuda_gib']:+.2f} GiB")
print("summary | " + " | ".join([row("MAC", mac), row("CMT", cmt), row("CMT w/o memory-aware", cmt_plain)]) +
      f" | CMT/MAC step {cmt['step_s'] / mac['step_s']:.2f}x"
      f" | memory-aware cost as amem train runs it: {cost(cmt, cmt_plain)}"
      f" | its extra forward without metrics: {cost(bare, bare_plain)}")
PY
rm -f "$out"
