#!/usr/bin/env bash
# amem against the MAC reference code itself (issue 16 item 5), in one device call: builds amem's
# bench_mac_train and bench_mac_memory against the image's LibTorch (build_gpu.sh), then runs each
# beside bench/reference_mac/ (a transformers re-creation of the reference's training step and
# evaluation path, random networks at the gpt2-xl + T5-large + T5-base sizes, no downloads) at the
# same shapes: the training step at lift 1.0 and 0.25 (8 documents x 512 tokens, bf16 base LM,
# networks under bf16 autocast on both sides; one process per run, so each peak is its own), then
# amortization, aggregation and the replica's generation. Prints one summary with the
# amem/reference ratios (bench/reference_mac/compare.py); the JSON lines are kept in $OUT.
# REPLICA_FP32=1 adds the replica in float32 at lift 0.25, as the reference ships (no amem pair).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
bash scripts/device/build_gpu.sh bench_mac_train bench_mac_memory
source scripts/device/mac_bench_placeholders.sh
shapes="--batch 8 --doc-tokens 512 --question-tokens 32 --qa-tokens 64 --steps 5 --warmup 2"
rm -f "$out"/{amem_train,replica_train,amem_memory,replica_eval}.jsonl
for lift in 1.0 0.25; do
  build-gpu/bin/bench_mac_train --lift "$lift" --overrides "$placeholders" $shapes >> "$out/amem_train.jsonl"
  python3 bench/reference_mac/bench_train.py --lift "$lift" $shapes --precision bf16 >> "$out/replica_train.jsonl"
done
if [ "${REPLICA_FP32:-0}" = 1 ]; then
  python3 bench/reference_mac/bench_train.py --lift 0.25 $shapes --precision fp32 >> "$out/replica_train.jsonl"
fi
eval_shapes="--doc-tokens 512 --batch 16 --questions 16 --question-tokens 32 --banks 16,128,1024 --repeats 5"
build-gpu/bin/bench_mac_memory --overrides "$placeholders" $eval_shapes --window 16 >> "$out/amem_memory.jsonl"
python3 bench/reference_mac/bench_eval.py $eval_shapes >> "$out/replica_eval.jsonl"
python3 bench/reference_mac/compare.py "$out"
