#!/usr/bin/env bash
# Issue 16 item 4, amortization as `amem eval` runs it, in one device call: builds bench_mac_memory
# (build_gpu.sh) and amortizes the first 256 distinct paragraphs of SQuAD v1.1 dev with the
# T5-large-shaped amortizer (random weights, configs/mac/gpt2_xl.yaml), tokenized with the real
# T5 tokenizer and cut as amem eval cuts them, held 16 at a time: one forward per group of equal
# token count (memory.eval_batching=same_length) or one padded forward (=padded), float32 and bf16
# autocast (memory.bf16_autocast). Beside it, the reference replica's evaluation amortizes as the
# reference does: 16 documents per forward, each padded to 1022 tokens, float32
# (M:common/dataset.py:157-158, M:evals/qa_utils.py:142-158). Prints each s/document and its ratio.
# Needs the data carried: scripts/device/bench_amortize_stream.sh --carry (here, before the run)
# copies them into .device-carry/ (git-ignored); name ".device-carry" in the device call's carry.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --carry ]; then
  mkdir -p .device-carry/squad .device-carry/t5
  xz -dc ../shared/data/squad-v1.1/dev-v1.1.json.xz > .device-carry/squad/dev-v1.1.json
  cp ../shared/data/tokenizers/t5/* .device-carry/t5/
  du -sh .device-carry
  exit 0
fi
out=${OUT:-$(mktemp -d)}
bash scripts/device/build_gpu.sh bench_mac_memory
source scripts/device/mac_bench_placeholders.sh
build-gpu/bin/bench_mac_memory --overrides "$placeholders" --batch 16 --banks 16 --repeats 3 \
  --documents .device-carry/squad/dev-v1.1.json --tokenizer .device-carry/t5 --stream-documents 256 |
  grep '"amortize' | tee "$out/amem_stream.jsonl"
python3 bench/reference_mac/bench_eval.py --doc-tokens 1022 --batch 16 --banks 16 --repeats 3 --generate-questions 1 |
  grep '"amortize"' | tee "$out/replica_amortize.jsonl"
python3 - "$out" <<'PY'
import json, sys
folder = sys.argv[1]
amem = [json.loads(l) for l in open(f"{folder}/amem_stream.jsonl") if '"amortize_stream"' in l]
replica = [json.loads(l) for l in open(f"{folder}/replica_amortize.jsonl")]
reference = next(r for r in replica if r["documents_per_forward"] == 16)["s_per_document"]
print(f"reference replica: 16 per forward, padded to 1022, float32: {reference:.5f} s/document")
for r in amem:
    print(f"amem eval, {r['precision']:<13} memory.eval_batching={r['eval_batching']:<11} ({r['forwards']} forwards for "
          f"{r['documents']} documents, {r['mean_tokens']:.0f} tokens on average): {r['s_per_document']:.5f} s/document, "
          f"{reference / r['s_per_document']:.2f}x the reference's speed")
PY
