#!/usr/bin/env bash
# Issue 13's device agreement: the same random reference-layout MAC networks (the committed tiny
# checkpoint tests/data/mac_reference/checkpoint.pt) answer the same SQuAD-sample questions in amem
# (`amem mac import`, then `amem eval configs/eval/squad_mac_reference.yaml` on the imported
# networks) and in a Python rebuild of the reference's evaluation
# (scripts/device/mac_reference_agreement.py). Everything runs on the CPU (tiny networks); the
# device is needed for Python torch + transformers and LibTorch. Prints
# "agreement: K / N predictions identical", the first differences and both sides' reference EM/F1.
# Files go to $OUT.
# Usage: scripts/device/mac_reference_agreement.sh [--paragraphs N]     (device: builds amem)
#        AMEM=build/bin/amem scripts/device/mac_reference_agreement.sh --amem-only
#            (anywhere: amem's half only, on the sample's first two paragraphs, no Python torch)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
models=tests/data/models
# The sizes make_mac_reference_checkpoint.py built the checkpoint at (its SIZES), on tiny GPT-2.
sizes=(model.path=$models/tiny-gpt2 mac.amortizer=$models/tiny-t5 mac.question_encoder=$models/tiny-t5
       mac.num_virtual_tokens=3 mac.layer_num_virtual_tokens=2 mac.num_cross_attention_blocks=2
       mac.cross_attention_heads=4 mac.cross_attention_head_dim=16 mac.prefix_mlp_hidden=64
       mac.max_document_tokens=48 mac.pad_documents_to=48 mac.decoder_masks_padding=false
       mac.train_question_layout=left_pad:24 mac.eval_question_layout=append_pads:128 model.device=cpu)
if [ "${1:-}" = "--amem-only" ]; then
  amem=${AMEM:-build/bin/amem}
  data=data/squad-sample/dev-v1.1-superbowl50.json
  extra=(data.downsample_to=2 data.downsample_unit=documents)
else
  amem=build-gpu/bin/amem
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
  bash scripts/device/build_gpu.sh amem
  data=$out/questions.json
  python3 scripts/device/mac_reference_agreement.py select "$data" "$@"
  extra=()
fi
rm -rf "$out/imported" "$out/eval"
"$amem" mac import --reference tests/data/mac_reference/checkpoint.pt --out "$out/imported" \
  configs/mac/tiny_gpt2.yaml "${sizes[@]}" > "$out/import.log" 2>&1 || { tail -5 "$out/import.log"; exit 1; }
"$amem" eval configs/eval/squad_mac_reference.yaml "${sizes[@]}" mac.networks="$out/imported" \
  data.test_path="$data" run.output_dir="$out/eval" "${extra[@]}" > "$out/eval.log" 2>&1 ||
  { tail -5 "$out/eval.log"; exit 1; }
run=$(ls -d "$out"/eval/*/ | head -1)
echo "amem: $(wc -l < "$run/predictions.jsonl") predictions in $run"
if [ "${1:-}" = "--amem-only" ]; then
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print({k: r[k] for k in r if "exact" in k or k.endswith("f1")})' "$run/results.json"
  exit 0
fi
python3 scripts/device/mac_reference_agreement.py compare "$data" "$run/predictions.jsonl"
