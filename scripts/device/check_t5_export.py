"""Checks a T5 that `amem pretrain` (pretrain.objective: t5_span_corruption) wrote: transformers'
T5ForConditionalGeneration loads its last/ folder, and its loss on the run's last validation
examples (validation/step-N/examples.safetensors: the span-corrupted held-out chunks, input_ids
and labels) equals the val_loss amem logged for them at step N, the run's last step.

Usage: python3 scripts/device/check_t5_export.py RUN_DIR
Prints both losses; exits 1 if they differ by more than 1e-4 relative (fp32 on both sides), or
if the folder's tokenizer does not put <extra_id_0> where amem put its sentinels."""
import glob
import inspect
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, T5ForConditionalGeneration
from transformers.models.t5 import modeling_t5

run = sys.argv[1]
last = os.path.join(run, "last")
step_dirs = sorted(glob.glob(os.path.join(run, "validation", "step-*")))
examples = load_file(os.path.join(step_dirs[-1], "examples.safetensors"))
step = int(os.path.basename(step_dirs[-1])[len("step-"):])
amem_loss = None
with open(os.path.join(run, "metrics.jsonl"), encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        if row.get("step") == step and "val_loss" in row:
            amem_loss = row["val_loss"]

model = T5ForConditionalGeneration.from_pretrained(last, dtype=torch.float32).eval()
input_ids = examples["input_ids"].long()
labels = examples["labels"].long()
with torch.no_grad():
    # labels= makes transformers shift them right behind decoder_start_token_id itself and take
    # the mean cross-entropy over every label: the same loss amem logs.
    hf_loss = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=labels).loss.item()
print(f"t5 export {last}: {input_ids.shape[0]} examples of {input_ids.shape[1]} -> {labels.shape[1]} ids; "
      f"transformers loss {hf_loss:.6f}, amem val_loss {amem_loss:.6f} (step {step})")

tokenizer = AutoTokenizer.from_pretrained(last)
sentinel = tokenizer.convert_tokens_to_ids("<extra_id_0>")
first_label = int(labels[0, 0])
print(f"tokenizer: {type(tokenizer).__name__}, {len(tokenizer)} ids, <extra_id_0> = {sentinel}, "
      f"amem's first target id = {first_label}")
lines, start = inspect.getsourcelines(modeling_t5.T5PreTrainedModel._init_weights)
print(f"reference: {inspect.getsourcefile(modeling_t5)}:{start}-{start + len(lines) - 1} "
      "(T5PreTrainedModel._init_weights)")
ok = abs(hf_loss - amem_loss) <= 1e-4 * max(1.0, hf_loss) and sentinel == first_label
sys.exit(0 if ok else 1)
