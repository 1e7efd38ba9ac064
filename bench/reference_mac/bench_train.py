#!/usr/bin/env python3
"""One MAC meta-training step as the reference code takes it, timed on CUDA beside amem's
bench/bench_mac_train.cpp (same options, same random inputs' shapes, one JSON line).

The step is the reference's (M:train/train_func/amortize_encdec.py:19-40): amort_model.train() (T5
dropout on), forward (networks.reference_step_loss: lifted amortization, aggregation, prefix, the
three no-grad metric forwards, QA loss under the prefix with the base LM in train mode, metrics
by .item()), backward, clip_grad_norm_(100), torch.optim.Adam(lr 1e-5, M:common/optim.py:9) step,
zero_grad, constant_with_warmup scheduler step. Networks are random at the preset's shapes
(gpt2-xl + T5-large amortizer + T5-base question encoder by default; no downloads).
--precision bf16: base LM weights in bf16 and the step under bf16 autocast, as amem's bench runs;
fp32: as the reference ships (accelerate mixed_precision 'no', M:conf/accelerate_config.yaml:12).
One process measures one setting, so the CUDA peak is its own.

Usage: bench_train.py [--preset gpt2-xl] [--amortizer t5-large] [--question-encoder t5-base]
    [--num-virtual-tokens 24] [--lift 0.25] [--batch 8] [--doc-tokens 512] [--question-tokens 32]
    [--qa-tokens 64] [--steps 5] [--warmup 2] [--precision bf16|fp32]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import networks  # noqa: E402

# configs/base/mac.yaml: the sizes the reference hard-codes or sets in conf/mode/*.yaml.
SIZES = dict(layer_num_virtual_tokens=2, num_cross_attention_blocks=4, cross_attention_heads=8,
             cross_attention_head_dim=96, prefix_mlp_hidden=768)


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    networks.add_network_arguments(p)
    p.add_argument("--lift", type=float, default=0.25)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--doc-tokens", type=int, default=512)
    p.add_argument("--question-tokens", type=int, default=32)
    p.add_argument("--qa-tokens", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precision", default="bf16", choices=["bf16", "fp32"])
    return p.parse_args()


def build(args, device):
    """(mac, base_lm) on `device`, built there (no CPU initialisation pass)."""
    with torch.device(device):
        torch.manual_seed(0)
        base_lm = networks.random_gpt2(args.preset)
        if args.precision == "bf16":
            base_lm = base_lm.to(torch.bfloat16)
        t = args.num_virtual_tokens
        mac = networks.ReferenceMac(base_lm.config.to_dict(), dict(SIZES, num_virtual_tokens=t),
                                    networks.random_t5(args.amortizer, t), networks.random_t5(args.question_encoder, t))
    return mac, base_lm


def random_batch(args, device):
    """The inputs of bench_mac_train.cpp: random ids, full masks, the QA rows' second half labelled."""
    ids = dict(dtype=torch.long, device=device)
    b, n, q, a = args.batch, args.doc_tokens, args.question_tokens, args.qa_tokens
    qa = torch.randint(0, 50256, (b, a), **ids)
    labels = qa.clone()
    labels[:, :a // 2] = -100
    return {"text_ids": torch.randint(0, 50256, (b, n), **ids), "text_attention": torch.ones(b, n, **ids),
            "text_ids_amort": torch.randint(2, 32000, (b, n), **ids), "text_attention_amort": torch.ones(b, n, **ids),
            "gen_q_ids_amort": torch.randint(2, 32000, (b, q), **ids), "gen_q_attn_mask_amort": torch.ones(b, q, **ids),
            "qa_ids": qa, "qa_attention": torch.ones(b, a, **ids), "qa_target_ids": labels}


def main():
    args = parse()
    if not torch.cuda.is_available():
        sys.exit("bench_train.py: needs CUDA")
    device = torch.device("cuda", 0)
    mac, base_lm = build(args, device)
    batch = random_batch(args, device)
    parameters = [p for p in mac.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=1e-5, weight_decay=0.0)
    total = args.warmup + args.steps
    scheduler = transformers.get_scheduler("constant_with_warmup", optimizer, int(total * 0.01), total)
    lifted = int(args.batch * args.lift) if args.lift != 1.0 else args.batch
    assert lifted >= 1, f"--lift {args.lift} of --batch {args.batch} lifts no document (the reference's int())"

    loss = None

    def step():
        nonlocal loss
        mac.train()
        base_lm.train()  # a submodule of the reference's amort_model: its metric forwards run in train mode too
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            out, metrics = networks.reference_step_loss(mac, base_lm, batch, args.lift)
        out.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 100.0)
        optimizer.step()
        optimizer.zero_grad()
        scheduler.step()
        loss = metrics["total_loss"]

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    peak = torch.cuda.max_memory_allocated(device)
    print(json.dumps({"impl": "reference-replica", "torch": torch.__version__, "transformers": transformers.__version__,
                      "preset": args.preset, "amortizer": args.amortizer, "question_encoder": args.question_encoder,
                      "precision": args.precision, "lift_ratio": args.lift, "documents": args.batch,
                      "lifted": lifted, "doc_tokens": args.doc_tokens, "loss": round(loss, 4),
                      "step_s": round(median, 4), "peak_cuda_bytes": peak,
                      "peak_cuda_gib": round(peak / 2 ** 30, 2)}))


if __name__ == "__main__":
    main()
