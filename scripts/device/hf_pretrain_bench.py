"""The transformers side of scripts/device/pretrain_check.sh: trains the model amem pre-trained
(the config.json of its last/ folder, freshly initialised by transformers) on the same packed
data layout (the first --documents documents of the corpus, tokenized by the folder's tokenizer,
EOS after every document, cut into --seq-token sequences), with the same optimisation as amem's
training loop (AdamW betas 0.9/0.999, eps 1e-8, weight decay on every tensor, global-norm
clipping, a bf16 autocast forward, fp32 weights), and prints tokens/s and MFU beside amem's
(the median tokens_per_s of its metrics.jsonl, warm-up lines skipped). Batch size, sequence
length, lr, weight decay and clipping are read from the config.yaml amem saved beside the model.

Usage: python3 scripts/device/hf_pretrain_bench.py MODEL_DIR METRICS_JSONL CORPUS_XZ
           [--steps 100] [--documents 400] [--peak-tflops 989.5]
MFU = tokens/s × FLOPs per token / peak, FLOPs per token = 6 N + 12 n_layer n_embd seq (N: the
parameters without the position embedding; PaLM's appendix B, as nanoGPT's estimate_mfu).
--peak-tflops: dense bf16 of an H100/H200 SXM.
"""
import argparse
import json
import lzma
import statistics
import time

import torch
import transformers
import yaml


def documents(path, count):
    out, current = [], []
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if line.strip():
                current.append(line)
            elif current:
                out.append("\n".join(current))
                current = []
                if len(out) == count:
                    return out
    if current and len(out) < count:
        out.append("\n".join(current))
    return out


def packed(tokenizer, texts, eos, seq):
    stream = []
    for ids in tokenizer(texts, add_special_tokens=False).input_ids:
        stream.extend(ids)
        stream.append(eos)
    rows = len(stream) // seq
    return torch.tensor(stream[:rows * seq]).view(rows, seq)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("metrics")
    ap.add_argument("corpus")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--documents", type=int, default=400)
    ap.add_argument("--peak-tflops", type=float, default=989.5)
    args = ap.parse_args()
    amem_config = yaml.safe_load(open(f"{args.model_dir}/config.yaml"))
    train = amem_config["train"]
    args.batch, args.seq = train["batch_size"] * train["grad_accum"], amem_config["pretrain"]["sequence_length"]
    args.lr, args.weight_decay = train["lr"], train["weight_decay"]
    args.max_grad_norm = train["max_grad_norm"] or float("inf")

    config = transformers.AutoConfig.from_pretrained(args.model_dir)
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model_dir)
    data = packed(tokenizer, documents(args.corpus, args.documents), config.eos_token_id, args.seq)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config).cuda().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=args.weight_decay)
    order = torch.randperm(data.size(0))
    times = []
    for step in range(args.steps):
        rows = order[(step * args.batch + torch.arange(args.batch)) % data.size(0)]
        ids = data[rows].cuda(non_blocking=True)
        torch.cuda.synchronize()
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        loss.item()  # amem's loop reads the loss every step too
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    hf_tokens_per_s = args.batch * args.seq / statistics.median(times[5:] or times)

    amem_rates = [json.loads(line)["tokens_per_s"] for line in open(args.metrics) if '"tokens_per_s"' in line]
    amem_tokens_per_s = statistics.median(amem_rates[2:] or amem_rates)

    n_layer = getattr(config, "n_layer", None) or config.num_hidden_layers
    n_embd = getattr(config, "n_embd", None) or config.hidden_size
    params = sum(p.numel() for name, p in model.named_parameters() if "wpe" not in name)
    flops_per_token = 6 * params + 12 * n_layer * n_embd * args.seq
    peak = args.peak_tflops * 1e12

    def mfu(rate):
        return rate * flops_per_token / peak

    print(f"pretrain bench: {params / 1e6:.1f}M parameters (without wpe), batch {args.batch} x {args.seq} tokens, "
          f"{flops_per_token / 1e9:.3f} GFLOP/token, peak {args.peak_tflops} TFLOP/s")
    print(f"pretrain bench: amem {amem_tokens_per_s:,.0f} tokens/s (median of {len(amem_rates)} logged steps), "
          f"MFU {100 * mfu(amem_tokens_per_s):.1f}%")
    print(f"pretrain bench: transformers {hf_tokens_per_s:,.0f} tokens/s (median of {len(times)} steps), "
          f"MFU {100 * mfu(hf_tokens_per_s):.1f}%, final loss {loss.item():.3f}")
    print(f"pretrain bench: amem / transformers = {amem_tokens_per_s / hf_tokens_per_s:.2f}")


if __name__ == "__main__":
    main()
