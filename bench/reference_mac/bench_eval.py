#!/usr/bin/env python3
"""MAC's evaluation path as the reference code runs it, timed on CUDA beside amem's
bench/bench_mac_memory.cpp (same options where they exist; one JSON line per measurement).

  amortize  context_summarization (M:evals/qa_utils.py:142-158): the amortizer in float32 over
            --batch documents per forward (the reference's loader gives 16) and over one, no_grad,
            the per-token MLP loop; seconds per document
  answer    per question, as qa_eval does (M:evals/qa_utils.py:75-82; generation_batch_size 1):
            predict_prompt_from_memory over the whole bank (aggregation + prefix MLPs), for each
            --banks size; seconds for --questions questions, one after the other
  generate  the forwards of the reference's generate (M:evals/qa_utils.py:91-104): 12 beams,
            use_cache=False, so each of the 16 steps re-runs every beam's whole sequence under the
            prefix tiled over the beams; the beam bookkeeping (4 groups, Hamming penalty, top-k per
            group) in torch, without finished-hypothesis handling (no early stop: the upper bound)
Networks random at the preset's shapes (gpt2-xl + T5-large + T5-base by default), float32 as the
reference evaluates (M:eval.py loads everything in float32).

Usage: bench_eval.py [--preset gpt2-xl] [--amortizer t5-large] [--question-encoder t5-base]
    [--num-virtual-tokens 24] [--doc-tokens 512] [--batch 16] [--questions 16] [--question-tokens 32]
    [--banks 16,128,1024] [--repeats 5] [--generate-questions 2]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # bench/
import hf_causal_lm  # noqa: E402  (its median timer)
import networks  # noqa: E402
from bench_train import SIZES  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    networks.add_network_arguments(p)
    p.add_argument("--doc-tokens", type=int, default=512)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--questions", type=int, default=16)
    p.add_argument("--question-tokens", type=int, default=32)
    p.add_argument("--banks", default="16,128,1024")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--generate-questions", type=int, default=2)
    return p.parse_args()


def median_seconds(fn, repeats):
    fn()  # warm-up
    return hf_causal_lm.timed(fn, repeats)


def group_beam_forwards(base_lm, prompt, prefix, num_beams=12, groups=4, penalty=10.0, new_tokens=16):
    """The reference generate's forwards for one question (see the module docstring)."""
    size = num_beams // groups
    rows = prompt.repeat(num_beams, 1)
    tiled = tuple(kv.repeat(1, num_beams, 1, 1, 1) for kv in prefix)  # M:models/peft_wrapper.py:92-101
    scores = torch.full((num_beams,), -1e9, device=prompt.device)
    scores[::size] = 0.0
    for _ in range(new_tokens):
        logits = networks.base_lm_forward(base_lm, rows, torch.ones_like(rows), prompts=tiled).logits[:, -1]
        logprobs = torch.log_softmax(logits.float(), -1)
        chosen = []
        new_rows, new_scores = [], []
        for g in range(groups):
            lp = logprobs[g * size:(g + 1) * size].clone()
            for token in chosen:
                lp[:, token] -= penalty
            total = (lp + scores[g * size:(g + 1) * size, None]).flatten()
            top, index = total.topk(size)
            source, token = index // lp.shape[1], index % lp.shape[1]
            new_rows.append(torch.cat([rows[g * size + source], token[:, None]], 1))
            new_scores.append(top)
            chosen.extend(token.tolist())
        rows, scores = torch.cat(new_rows), torch.cat(new_scores)
    return rows


def main():
    args = parse()
    if not torch.cuda.is_available():
        sys.exit("bench_eval.py: needs CUDA")
    device = torch.device("cuda", 0)
    with torch.device(device):
        torch.manual_seed(0)
        base_lm = networks.random_gpt2(args.preset).eval()
        t = args.num_virtual_tokens
        mac = networks.ReferenceMac(base_lm.config.to_dict(), dict(SIZES, num_virtual_tokens=t),
                                    networks.random_t5(args.amortizer, t),
                                    networks.random_t5(args.question_encoder, t)).eval()
    ids = dict(dtype=torch.long, device=device)
    documents = torch.randint(2, 32000, (args.batch, args.doc_tokens), **ids)
    mask = torch.ones_like(documents)
    with torch.no_grad():
        for n in (1, args.batch):
            s = median_seconds(lambda: mac.context_amortize(documents[:n], mask[:n]), args.repeats)
            print(json.dumps({"impl": "reference-replica", "what": "amortize", "precision": "fp32",
                              "documents_per_forward": n, "doc_tokens": args.doc_tokens,
                              "s_per_document": round(s / n, 5)}))
        questions = torch.randint(2, 32000, (args.questions, args.question_tokens), **ids)
        question_mask = torch.ones_like(questions)
        for size in [int(x) for x in args.banks.split(",")]:
            bank = torch.randn(size, t, base_lm.config.n_embd, device=device)

            def answer_all():
                for i in range(args.questions):  # generation_batch_size 1
                    mac.prompt_latent_to_prompt(mac.aggregator(questions[i:i + 1], question_mask[i:i + 1], bank))

            s = median_seconds(answer_all, args.repeats)
            print(json.dumps({"impl": "reference-replica", "what": "answer", "bank_documents": size,
                              "aggregation": "whole bank", "questions": args.questions,
                              "s_per_question_batch": round(s, 5)}))
        bank = torch.randn(16, t, base_lm.config.n_embd, device=device)
        prompt = torch.randint(0, 50256, (1, args.question_tokens), **ids)
        prefix = mac.prompt_latent_to_prompt(mac.aggregator(questions[:1], question_mask[:1], bank))
        out = group_beam_forwards(base_lm, prompt, prefix)
        assert out.shape == (12, args.question_tokens + 16), f"generate: rows {tuple(out.shape)}"
        s = median_seconds(lambda: group_beam_forwards(base_lm, prompt, prefix), max(1, args.generate_questions))
        print(json.dumps({"impl": "reference-replica", "what": "generate", "beams": 12, "new_tokens": 16,
                          "prompt_tokens": args.question_tokens, "s_per_question": round(s, 4),
                          "peak_cuda_gib": round(torch.cuda.max_memory_allocated(device) / 2 ** 30, 2)}))


if __name__ == "__main__":
    main()
