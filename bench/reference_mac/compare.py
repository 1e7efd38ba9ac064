#!/usr/bin/env python3
"""The summary of scripts/device/reference_bench.sh: amem's bench lines beside the reference
replica's, matched by setting, with amem/reference ratios (time: < 1 is amem faster; memory: < 1
is amem smaller). Reads DIR/{amem_train,replica_train,amem_memory,replica_eval}.jsonl (one JSON
object a line, as the bench programs print them; other lines are skipped).
Usage: compare.py DIR"""
import json
import os
import sys


def read(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def main(folder):
    amem_train, replica_train = read(f"{folder}/amem_train.jsonl"), read(f"{folder}/replica_train.jsonl")
    print("MAC meta-training step (medians; peak = CUDA allocator peak)")
    print(f"{'lift':>5} {'replica':>9} {'amem s':>8} {'ref s':>8} {'amem/ref':>9} {'amem GiB':>9} {'ref GiB':>8} {'amem/ref':>9}")
    for r in replica_train:
        a = next((x for x in amem_train if abs(x["lift_ratio"] - r["lift_ratio"]) < 1e-9), None)
        a_s = a["step_s"] if a else None
        a_g = a["peak_cuda_gib"] if a else None
        print(f"{r['lift_ratio']:>5} {r['precision']:>9} {a_s if a else 'n/a':>8} {r['step_s']:>8} {ratio(a_s, r['step_s']):>9} "
              f"{a_g if a else 'n/a':>9} {r['peak_cuda_gib']:>8} {ratio(a_g, r['peak_cuda_gib']):>9}")
    amem_mem, replica_eval = read(f"{folder}/amem_memory.jsonl"), read(f"{folder}/replica_eval.jsonl")
    print("MAC evaluation path")
    for r in replica_eval:
        if r["what"] == "amortize":
            a = next((x for x in amem_mem if x.get("what") == "amortize" and x.get("precision") == "fp32"
                      and x.get("documents_per_forward") == r["documents_per_forward"]), None)
            a_s = a["s_per_document"] if a else None
            print(f"amortize fp32, {r['documents_per_forward']:>2} per forward: amem {a_s} s/doc, "
                  f"reference {r['s_per_document']} s/doc, amem/ref {ratio(a_s, r['s_per_document'])}")
        elif r["what"] == "answer":
            a = next((x for x in amem_mem if x.get("what") == "answer" and x.get("aggregation") == "whole bank"
                      and x.get("bank_documents") == r["bank_documents"]), None)
            a_s = a["s_per_question_batch"] if a else None
            print(f"aggregate + prefix, {r['questions']} questions over {r['bank_documents']:>5} entries: amem {a_s} s, "
                  f"reference (one question at a time) {r['s_per_question_batch']} s, amem/ref {ratio(a_s, r['s_per_question_batch'])}")
        elif r["what"] == "generate":
            print(f"generate (reference replica only; amem's bench does not time it): {r['s_per_question']} s per "
                  f"question ({r['beams']} beams, {r['new_tokens']} tokens, use_cache=False), peak {r['peak_cuda_gib']} GiB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("Usage: ")[1])
    main(sys.argv[1])
