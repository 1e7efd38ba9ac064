#!/usr/bin/env python3
"""The MAC reference's evaluation, rebuilt in torch + transformers, beside amem's (issue 13, "Done when").

scripts/device/mac_reference_agreement.sh runs it in two steps around amem:
  select OUT.json      the first --paragraphs paragraphs of the SQuAD dev sample, keeping the questions
                       whose tiny-GPT-2 prompt fits its 64 positions with the 2 prefix positions and
                       16 new tokens (the reference would index past its position table), as a SQuAD
                       v1.1 file that both sides read
  compare DATA.json PREDICTIONS.jsonl
                       answers DATA's questions as the reference's eval.py does with the committed
                       tiny reference-layout checkpoint (tests/data/mac_reference/checkpoint.pt, made by
                       make_mac_reference_checkpoint.py) and compares the text with amem's
                       predictions.jsonl (amem eval configs/eval/squad_mac_reference.yaml on the imported
                       checkpoint); prints "agreement: K / N predictions identical", the first differences
                       and both sides' reference EM/F1
The reference's evaluation, as rebuilt (M: github.com/jihoontack/MAC @ d75891d):
  rows      every question row in file order, no shuffle (M:common/dataset.py:207-210, 456-457); the
            answer is the shortest gold, stripped, first letter upper-cased (:219-224)
  memory    one bank entry per row, the documents amortized 16 per forward, T5 ids padded to
            max_length with truncation (M:evals/qa_utils.py:142-158, M:common/dataset.py:419-423)
  question  T5: the whole question + 128 pad ids (M:common/dataset.py:113-121); aggregation of the
            whole bank for one question, then the prefix (M:models/amortized_encdec.py:435-456)
  prompt    GPT-2 ids of the question, the last 256 kept (M:evals/qa_utils.py:86-88)
  decoding  diverse group beam search, 12 beams / 4 groups / penalty 10 / early stopping / +16 tokens,
            with transformers 4.36.2's algorithm (tests/data/generation/make_group_beam_goldens.py;
            the device's transformers no longer has it) driving the tiny GPT-2 under the prefix as
            use_cache=False does (every step re-runs each beam's sequence; positions after the prefix)
  text      the whole output decoded clean and stripped, less the question's decoded length
            (M:evals/qa_utils.py:105-113, M:utils.py:100-104); the gold is ' ' + answer + EOS cut to
            24 tokens, decoded the same way (M:common/dataset.py:122-123)
  metrics   EM: the normalised prediction cut to the normalised gold's length equals it; F1: SQuAD
            token F1 against that gold (M:utils.py:117-156)
Runs on the CPU in float32 (the networks are tiny). Near-ties in the beam search (the re-creation's
margin check) are decided by its sort order and counted.
"""
import argparse
import collections
import json
import os
import re
import string
import sys

import torch
import transformers

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "device"))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "generation"))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference_mac"))
import make_group_beam_goldens as recreation  # noqa: E402
from group_beam_check import model_log_probs  # noqa: E402
from make_mac_reference_checkpoint import SIZES, load_t5_wrapper  # noqa: E402
import networks  # noqa: E402

GPT2 = os.path.join(ROOT, "tests", "data", "models", "tiny-gpt2")
T5 = os.path.join(ROOT, "tests", "data", "models", "tiny-t5")
CHECKPOINT = os.path.join(ROOT, "tests", "data", "mac_reference", "checkpoint.pt")
SAMPLE = os.path.join(ROOT, "data", "squad-sample", "dev-v1.1-superbowl50.json")
PREFIX_TOKENS = SIZES["layer_num_virtual_tokens"]
NEW_TOKENS = 16
BEAMS = dict(num_beams=12, num_beam_groups=4, diversity_penalty=10.0, length_penalty=1.0, early_stopping=True,
             max_new_tokens=NEW_TOKENS)


def gpt2_tokenizer():
    tok = transformers.AutoTokenizer.from_pretrained(GPT2)
    tok.pad_token = tok.eos_token  # M:common/dataset.py:37
    return tok


def select(out, paragraphs):
    tok = gpt2_tokenizer()
    limit = transformers.AutoConfig.from_pretrained(GPT2).n_positions - PREFIX_TOKENS - NEW_TOKENS
    with open(SAMPLE) as f:
        squad = json.load(f)
    article = squad["data"][0]
    kept, total = [], 0
    for paragraph in article["paragraphs"][:paragraphs]:
        qas = [qa for qa in paragraph["qas"] if len(tok(qa["question"].strip())["input_ids"]) <= limit]
        total += len(paragraph["qas"])
        if qas:
            kept.append({"context": paragraph["context"], "qas": qas})
    assert kept, f"select: no question of the first {paragraphs} paragraphs fits {limit} tiny-GPT-2 tokens"
    with open(out, "w") as f:
        json.dump({"version": squad.get("version", "1.1"), "data": [{"title": article["title"], "paragraphs": kept}]},
                  f, indent=1)
    print(f"select: {sum(len(p['qas']) for p in kept)} of {total} questions fit {limit} tokens; wrote {out}")


def rows_of(path):
    """(id, context, question, answer) per question row in file order (M:common/dataset.py:219-227)."""
    with open(path) as f:
        squad = json.load(f)
    rows = []
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer = min((a["text"] for a in qa["answers"]), key=len).strip()
                if answer[0].islower():
                    answer = answer[0].upper() + answer[1:]
                rows.append((qa["id"], paragraph["context"], qa["question"].strip(), answer))
    return rows


def load_reference_mac(lm_config):
    mac = networks.ReferenceMac(lm_config.to_dict(), SIZES, load_t5_wrapper(SIZES["num_virtual_tokens"]),
                                load_t5_wrapper(SIZES["num_virtual_tokens"]))
    state = torch.load(CHECKPOINT, map_location="cpu")["state_dict"]
    result = mac.load_state_dict(state, strict=False)  # as the reference loads (M:models/amortized_encdec.py:254-256)
    tied = re.compile(r".*(embed_tokens|lm_head)\.weight$")
    missing = [k for k in result.missing_keys if not tied.match(k)]
    unexpected = [k for k in result.unexpected_keys if not tied.match(k)]
    assert not missing and not unexpected, f"checkpoint keys: missing {missing[:5]}, unexpected {unexpected[:5]}"
    return mac.eval()


def clean_text(tok, ids):
    """decode_to_clean_text (M:utils.py:100-104)."""
    return tok.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True).strip()


def normalize(text):
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def reference_em(prediction, gold):
    gold = normalize(gold)
    return normalize(prediction)[:len(gold)] == gold


def reference_f1(prediction, gold):
    p, g = normalize(prediction).split(), normalize(gold).split()
    same = sum((collections.Counter(p) & collections.Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


@torch.no_grad()
def reference_answers(data):
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel.from_pretrained(GPT2, attn_implementation="eager").eval()
    tok, t5_tok = gpt2_tokenizer(), transformers.AutoTokenizer.from_pretrained(T5)
    mac = load_reference_mac(model.config)
    rows = rows_of(data)
    bank = []
    for start in range(0, len(rows), 16):
        texts = [r[1] for r in rows[start:start + 16]]
        docs = t5_tok(texts, max_length=SIZES["document_tokens"], padding="max_length", truncation=True,
                      return_tensors="pt")
        bank.append(mac.context_amortize(docs["input_ids"], docs["attention_mask"]))
    bank = torch.cat(bank)
    assert bank.shape == (len(rows), SIZES["num_virtual_tokens"], model.config.n_embd), f"bank {tuple(bank.shape)}"
    answers, near_ties = {}, 0
    for qid, _, question, answer in rows:
        q = t5_tok(question, return_tensors="pt")
        pads = SIZES["eval_question_pads"]
        q_ids = torch.nn.functional.pad(q["input_ids"], (0, pads), value=t5_tok.pad_token_id)
        q_mask = torch.nn.functional.pad(q["attention_mask"], (0, pads), value=0)
        prefix = mac.prompt_latent_to_prompt(mac.aggregator(q_ids, q_mask, bank))
        assert prefix[0].shape == (2, 1, model.config.n_head, PREFIX_TOKENS, model.config.n_embd // model.config.n_head), \
            f"prefix {tuple(prefix[0].shape)}"
        prompt = tok(question)["input_ids"][-256:]
        source = model_log_probs(model, model.config, [(kv[0], kv[1]) for kv in prefix])
        search = dict(BEAMS, pad=tok.eos_token_id, next_log_probs=source, vocab=model.config.vocab_size,
                      eos=tok.eos_token_id)
        margin = recreation.MARGIN
        try:
            found = recreation.group_beam_search(prompt, **search)
        except AssertionError:
            near_ties += 1
            recreation.MARGIN = float("-inf")
            found = recreation.group_beam_search(prompt, **search)
            recreation.MARGIN = margin
        outs = prompt + found["tokens"]
        prediction = clean_text(tok, outs)[len(clean_text(tok, prompt)):]
        gold_ids = tok(" " + answer + tok.eos_token, max_length=24, padding="max_length", truncation=True)["input_ids"]
        gold = clean_text(tok, gold_ids)
        answers[qid] = {"question": question, "prediction": prediction, "gold": gold,
                        "em": reference_em(prediction, gold), "f1": reference_f1(prediction, gold)}
    return answers, near_ties


def compare(data, predictions):
    reference, near_ties = reference_answers(data)
    with open(predictions) as f:
        amem = {p["id"]: p for p in map(json.loads, f)}
    assert set(amem) == set(reference), \
        f"question ids differ: {len(set(amem) ^ set(reference))} of {len(reference)} (amem {len(amem)})"
    same = [qid for qid in reference if amem[qid]["prediction"] == reference[qid]["prediction"]]
    n = len(reference)
    differences = [qid for qid in reference if qid not in same]
    # Random tiny networks answer with arbitrary byte-level tokens: text that is not UTF-8 becomes
    # U+FFFD on both sides, but amem's JSON writer and Python's decoder may replace a bad sequence
    # with a different number of them.
    loose = sum(re.sub("\ufffd+", "\ufffd", amem[q]["prediction"]) == re.sub("\ufffd+", "\ufffd", reference[q]["prediction"])
                for q in reference)
    print(f"agreement: {len(same)} / {n} predictions identical ({loose} / {n} counting a run of U+FFFD as one; "
          f"{near_ties} near-ties in the reference's beam search)")
    for qid in differences[:5]:
        r = reference[qid]
        print(f"  {qid} {r['question']!r}: amem {amem[qid]['prediction']!r} / reference {r['prediction']!r}"
              f" (golds: amem {amem[qid]['reference_gold']!r}, reference {r['gold']!r})")
    gold_same = sum(amem[q]["reference_gold"] == reference[q]["gold"] for q in reference)
    amem_em = sum(amem[q]["reference_em"] for q in reference) / n  # predictions.jsonl: percent per question
    amem_f1 = sum(amem[q]["reference_f1"] for q in reference) / n
    ref_em = 100.0 * sum(reference[q]["em"] for q in reference) / n
    ref_f1 = 100.0 * sum(reference[q]["f1"] for q in reference) / n
    print(f"reference golds identical: {gold_same} / {n}; reference EM / F1: amem {amem_em:.2f} / {amem_f1:.2f}, "
          f"rebuild {ref_em:.2f} / {ref_f1:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select")
    s.add_argument("out")
    s.add_argument("--paragraphs", type=int, default=6)
    c = sub.add_parser("compare")
    c.add_argument("data")
    c.add_argument("predictions")
    args = parser.parse_args()
    if args.command == "select":
        select(args.out, args.paragraphs)
    else:
        compare(args.data, args.predictions)


if __name__ == "__main__":
    main()
