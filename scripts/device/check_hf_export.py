"""Checks that a checkpoint folder amem wrote (amem qa-tune's best/ and last/) is a Hugging Face
checkpoint: transformers loads it, and its mean loss on a text equals `amem lm score`'s.

Usage: python3 scripts/device/check_hf_export.py AMEM_BINARY CHECKPOINT_DIR TEXT_FILE
Prints both losses; exits 1 if they differ by more than 1e-4 (fp32 on CPU on both sides)."""
import os
import re
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

amem, folder, text_file = sys.argv[1:4]
text = open(text_file, encoding="utf-8").read()
model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
if os.path.exists(os.path.join(folder, "tokenizer.model")):
    # transformers' converted LLaMA tokenizer differs from sentencepiece on the tiny fixture
    # (tests/data/README.md); amem follows sentencepiece, so the ids come from it here too.
    import sentencepiece
    sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(folder, "tokenizer.model"))
    ids = torch.tensor([[model.config.bos_token_id] + sp.encode(text)])
else:
    ids = AutoTokenizer.from_pretrained(folder)(text, return_tensors="pt").input_ids
with torch.no_grad():
    hf_loss = model(ids, labels=ids).loss.item()
out = subprocess.run([amem, "lm", "score", "--model", folder, "--text", text_file],
                     check=True, capture_output=True, text=True).stdout
amem_loss = float(re.search(r"mean loss ([0-9.]+) nats", out).group(1))
print(f"hf export {folder}: transformers loss {hf_loss:.4f}, amem loss {amem_loss:.4f}")
sys.exit(0 if abs(hf_loss - amem_loss) <= 1e-4 * max(1.0, hf_loss) else 1)
