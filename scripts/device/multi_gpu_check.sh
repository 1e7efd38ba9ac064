#!/usr/bin/env bash
# Issue 17's device check, for an nvidia-h200-x2 machine: the gpt2-xl MAC meta-training step
# (bench_mac_train: T5-large amortizer, random weights, batch 8 per GPU, lift 0.25) on 1 GPU and
# on 2 GPUs through `amem launch` (NCCL), same per-GPU batch; prints the scaling efficiency
# (1-GPU step time / 2-GPU step time; goal >= 0.90) and compares the 2-GPU losses with 1 GPU
# taking the same global batch as two micro-batches (--accum 2): MAC's memory bank is one
# micro-batch, per GPU as in the reference, so "the doubled batch" is two banks of 8, not one
# of 16. Base-LM dropout is off (mac.gpt_drop=false) so that the runs draw no random numbers
# and their losses can agree. NCCL_NVLS_ENABLE=0: NVLink multicast needs fabric-manager/IMEX
# support that the lent machines lack. Ends with `amem eval` on 1 and 2 GPUs (identical predictions).
# About 6 minutes, most of it the build.
# Usage: scripts/device/multi_gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export NCCL_NVLS_ENABLE=0
gpus=$(nvidia-smi -L | wc -l)
if [ "$gpus" -lt 2 ]; then echo "multi_gpu_check: needs 2 GPUs, this machine has $gpus"; exit 1; fi
bash scripts/device/build_gpu.sh amem bench_mac_train
build=build-gpu
source scripts/device/mac_bench_placeholders.sh
log=${OUT:-/tmp}
common=(--overrides "$placeholders;mac.gpt_drop=false" --batch 8 --steps 6 --warmup 2)
run() {  # NAME COMMAND...: the JSON line a bench run prints (its whole output kept in $log/NAME.log)
  local name=$1; shift
  if ! "$@" > "$log/$name.log" 2>&1; then echo "multi_gpu_check: $name failed:"; tail -20 "$log/$name.log"; exit 1; fi
  grep '^{' "$log/$name.log" | tail -1
}
one=$(run one_gpu "$build/bin/bench_mac_train" "${common[@]}" --accum 1)
two=$(run two_gpus "$build/bin/amem" launch --nproc-per-node 2 -- "$build/bin/bench_mac_train" "${common[@]}" --accum 1)
doubled=$(run one_gpu_accum2 "$build/bin/bench_mac_train" "${common[@]}" --accum 2)
python3 - "$one" "$two" "$doubled" <<'PY'
import json, sys
one, two, doubled = (json.loads(line) for line in sys.argv[1:])
efficiency = one["step_s"] / two["step_s"]
print(f"1 GPU : {one['step_s']:.4f} s/step, {one['tokens_per_s']:.0f} tokens/s, peak {one['peak_cuda_gib']:.1f} GiB")
print(f"2 GPUs: {two['step_s']:.4f} s/step, {2 * two['tokens_per_s']:.0f} tokens/s over both, peak {two['peak_cuda_gib']:.1f} GiB per GPU")
print(f"scaling efficiency (same per-GPU batch): {efficiency:.3f} ({'meets' if efficiency >= 0.9 else 'below'} the 0.90 goal)")
pairs = list(zip(two["losses"], doubled["losses"]))
worst = max(abs(a - b) / abs(b) for a, b in pairs)
print("losses per step, 2 GPUs vs 1 GPU with --accum 2:")
for step, (a, b) in enumerate(pairs, 1):
    print(f"  step {step}: {a:.6f} {b:.6f}")
# The first step is the same arithmetic on the same weights; later steps differ only by the order
# of the gradient sums (all-reduce of g1+g2 vs accumulation of g1/2+g2/2) carried through Adam.
ok = pairs[0][0] == pairs[0][1] or abs(pairs[0][0] - pairs[0][1]) <= 1e-6 * abs(pairs[0][1])
print(f"largest relative loss difference {worst:.2e}; {'AGREE' if ok and worst < 1e-3 else 'DIFFER'} (first step equal, all within 1e-3)")
PY

# amem eval split across the ranks (issue 17's sharded evaluation): the tiny random MAC config on
# the GPUs (bf16 base LM), one process vs `amem launch` on 2 GPUs; every rank amortizes the whole
# stream and answers its share of the question batches, rank 0 gathers and writes. The two runs'
# predictions.jsonl must be byte-identical (each batch is the same arithmetic on either machine).
eval_runs=$(mktemp -d)
mac=(configs/eval/squad_mac.yaml model.device=cuda model.dtype=bf16)
"$build/bin/amem" eval "${mac[@]}" run.output_dir="$eval_runs/one" > "$log/eval_one.log" 2>&1 ||
  { echo "multi_gpu_check: eval on 1 GPU failed:"; tail -20 "$log/eval_one.log"; exit 1; }
"$build/bin/amem" launch --nproc-per-node 2 -- "$build/bin/amem" eval "${mac[@]}" run.output_dir="$eval_runs/two" \
  > "$log/eval_two.log" 2>&1 || { echo "multi_gpu_check: eval on 2 GPUs failed:"; tail -20 "$log/eval_two.log"; exit 1; }
echo "eval, 1 GPU : $(grep -E '\bEM\b' "$log/eval_one.log" | tail -1)"
echo "eval, 2 GPUs: $(grep -E '\bEM\b' "$log/eval_two.log" | tail -1)"
if cmp "$eval_runs"/one/*/predictions.jsonl "$eval_runs"/two/*/predictions.jsonl; then
  echo "eval: predictions of 2 GPUs identical to 1 GPU ($(wc -l < "$eval_runs"/one/*/predictions.jsonl) questions)"
else
  echo "eval: predictions of 2 GPUs DIFFER from 1 GPU"; exit 1
fi
