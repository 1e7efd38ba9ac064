#!/usr/bin/env python3
"""Group beam search on a real model, the reference side (scripts/device/group_beam_check.sh).

Drives tests/data/generation/make_group_beam_goldens.py's re-creation of transformers 4.36.2's
group beam search (the device's transformers 5.x no longer has it) with the tiny GPT-2 of
tests/data/models, as MAC's reference generates: use_cache=False, so every step runs each beam's
whole sequence, under a P-tuning prefix tiled over the beams, positions starting after the prefix
(M:models/peft_wrapper.py:92-157). The prefix is the fixture's own (golden.safetensors
prefix_key_*/prefix_value_*, row 0). Writes the cases, in the goldens' JSON layout plus a
"prefix" flag, to the path given; amem's side reads them (GroupBeamSearch.DeviceGoldens).
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "generation"))
sys.path.insert(0, os.path.join(ROOT, "scripts", "device"))
import make_group_beam_goldens as recreation  # noqa: E402
from make_model_fixtures import make_cache  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "data", "models", "tiny-gpt2")
PROMPTS = [[291, 494, 253, 314, 421, 465, 360, 67], [5, 17, 42, 8], [100, 7], [320, 11, 58, 402, 9, 77]]
SETTINGS = [
    dict(num_beams=12, num_beam_groups=4, diversity_penalty=10.0, length_penalty=1.0, early_stopping=True,
         max_new_tokens=16),
    dict(num_beams=12, num_beam_groups=4, diversity_penalty=10.0, length_penalty=1.0, early_stopping=False,
         max_new_tokens=16),
    dict(num_beams=6, num_beam_groups=3, diversity_penalty=0.5, length_penalty=1.0, early_stopping=True,
         max_new_tokens=16),
]


def model_log_probs(model, config, prefix):
    @torch.no_grad()
    def next_log_probs(rows):
        ids = torch.tensor(rows)
        n, length = ids.shape
        offset = 0 if prefix is None else prefix[0][0].size(2)
        kwargs = {}
        if prefix is not None:
            keys, values = zip(*[(k.repeat(n, 1, 1, 1), v.repeat(n, 1, 1, 1)) for k, v in prefix])
            kwargs = dict(past_key_values=make_cache(config, keys, values), use_cache=True)
        out = model(input_ids=ids, attention_mask=torch.ones(n, offset + length, dtype=torch.long),
                    position_ids=torch.arange(offset, offset + length).unsqueeze(0).expand(n, length), **kwargs)
        return torch.log_softmax(out.logits[:, -1].float(), -1).tolist()
    return next_log_probs


def main(path):
    model = GPT2LMHeadModel.from_pretrained(FIXTURE).eval()
    config = model.config
    golden = load_file(os.path.join(FIXTURE, "golden.safetensors"))
    prefix = [(golden[f"prefix_key_{l}"][:1], golden[f"prefix_value_{l}"][:1]) for l in range(config.n_layer)]
    eos = config.eos_token_id
    cases = []
    for with_prefix in (False, True):
        source = model_log_probs(model, config, prefix if with_prefix else None)
        for setting in SETTINGS:
            for prompt in PROMPTS:
                try:
                    expected = recreation.group_beam_search(prompt, **setting, pad=eos, next_log_probs=source,
                                                            vocab=config.vocab_size, eos=eos)
                except AssertionError as e:  # a near-tie: float32 and float64 may rank it differently
                    print(f"skipped (near-tie: {e}): prefix={with_prefix} {setting} {prompt}")
                    continue
                cases.append({"prefix": with_prefix, "prompt": prompt, **setting, "pad": eos, "expected": expected})
    with open(path, "w") as out:
        json.dump({"model": "tests/data/models/tiny-gpt2", "eos": eos, "prefix_row": 0, "cases": cases}, out, indent=1)
    print(f"{len(cases)} cases written to {path}")


if __name__ == "__main__":
    main(sys.argv[1])
