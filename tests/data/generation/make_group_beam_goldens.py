#!/usr/bin/env python3
"""Goldens for amem's group beam search (src/generation/group_beam_search.cpp).

A stdlib-only re-creation of transformers 4.36.2's diverse group beam search, written from
reading that version's code (generation/utils.py GenerationMixin.group_beam_search,
logits_process.py HammingDiversityLogitsProcessor, beam_search.py BeamSearchScorer.process /
finalize and BeamHypotheses; docs/reference_protocol.md section 13). It drives a toy "model"
whose next-token logits are a fixed function of the token prefix, so that the C++ search can be
checked token for token and score for score without torch (tests/generation/
group_beam_search_test.cpp rebuilds the same toy model). Run it with python3, from anywhere:

    python3 tests/data/generation/make_group_beam_goldens.py

It rewrites group_beam_goldens.json beside itself. Everything is in double precision; the toy
logits are spaced so that no ranking decision depends on the last bits (checked below).
"""
import json
import math
import os

VOCAB = 20
EOS = 1
EOS_BONUS = 2.0  # added to the EOS logit, so that hypotheses end early and groups finish
MARGIN = 1e-7  # every compared pair of scores must differ by more than this


def toy_logits(sequence):
    """Logits of the token after `sequence` (prompt + generated ids), in [0, 5): a hash of the
    prefix squared modulo a prime, so that rows are not shifts of one another (log_softmax would
    make those equal)."""
    h = 7
    for token in sequence:
        h = (h * 31 + token + 1) % 1000003
    logits = []
    for v in range(VOCAB):
        a = (h * 1000003 + v * 7919 + 12345) % 1000033
        logits.append((a * a % 1000033) / 200000.0 + (EOS_BONUS if v == EOS else 0.0))
    return logits


def log_softmax(logits):
    top = max(logits)
    lse = top + math.log(sum(math.exp(x - top) for x in logits))
    return [x - lse for x in logits]


class Hypotheses:
    """One group's finished hypotheses (BeamHypotheses, 4.36: num_beams = group size)."""

    def __init__(self, capacity, length_penalty, early_stopping):
        self.capacity, self.length_penalty, self.early_stopping = capacity, length_penalty, early_stopping
        self.beams = []  # (score, tokens), insertion order
        self.worst = 1e9

    def add(self, tokens, sum_logprobs, generated_len):
        score = sum_logprobs / (generated_len ** self.length_penalty)
        if len(self.beams) < self.capacity or score > self.worst:
            if self.beams:
                assert abs(score - self.worst) > MARGIN, "near-tie with the worst hypothesis"
            self.beams.append((score, list(tokens)))
            if len(self.beams) > self.capacity:
                order = sorted((s, i) for i, (s, _) in enumerate(self.beams))
                del self.beams[order[0][1]]
                self.worst = order[1][0]
            else:
                self.worst = min(score, self.worst)

    def is_done(self, best_sum_logprobs, generated_len):
        if len(self.beams) < self.capacity:
            return False
        if self.early_stopping:
            return True
        return self.worst >= best_sum_logprobs / generated_len ** self.length_penalty


def toy_log_probs(rows):
    return [log_softmax(toy_logits(row)) for row in rows]


def group_beam_search(prompt, num_beams, num_beam_groups, diversity_penalty, length_penalty, early_stopping,
                      max_new_tokens, pad, next_log_probs=toy_log_probs, vocab=VOCAB, eos=EOS):
    """The top sequence (new tokens, + EOS when shorter than max_new_tokens), its score and the
    number of forwards. next_log_probs(rows) gives each row's next-token log-probabilities (rows:
    prompt + generated ids, all of one length); scripts/device/group_beam_check.py passes a real
    model's."""
    size = num_beams // num_beam_groups
    n_candidates = max(2, 1 + 1) * size  # one EOS id
    rows = [list(prompt) for _ in range(num_beams)]  # prompt + generated, as input_ids
    beam_scores = [-1e9] * num_beams
    for g in range(num_beam_groups):
        beam_scores[g * size] = 0.0
    groups = [Hypotheses(size, length_penalty, early_stopping) for _ in range(num_beam_groups)]
    done = [False] * num_beam_groups
    prompt_len = len(prompt)
    steps = 0
    while True:
        logprobs = next_log_probs(rows)  # one forward for all rows
        current = [0] * num_beams
        new_rows = [None] * num_beams
        new_scores = list(beam_scores)
        for g in range(num_beam_groups):
            start = g * size
            counts = [0] * vocab
            for token in current[:start]:
                counts[token] += 1
            totals = []
            for r in range(size):
                row_scores = logprobs[start + r]
                for v in range(vocab):
                    penalised = row_scores[v] - diversity_penalty * counts[v] if start > 0 else row_scores[v]
                    totals.append((penalised + beam_scores[start + r], r * vocab + v))
            totals.sort(key=lambda c: (-c[0], c[1]))
            top = totals[:n_candidates]
            cur_len = len(rows[0]) + 1
            if done[g]:
                for r in range(size):
                    new_rows[start + r] = rows[start] + [pad]
                    new_scores[start + r] = 0.0
                    current[start + r] = pad
                continue
            for a, b in zip(totals, totals[1:n_candidates + 1]):
                assert a[0] - b[0] > MARGIN, "near-tie among the candidates"
            kept = []
            for rank, (score, flat) in enumerate(top):
                source, token = divmod(flat, vocab)
                if token == eos:
                    if rank >= size:
                        continue
                    groups[g].add(rows[start + source][prompt_len:], score, cur_len - prompt_len)
                else:
                    kept.append((score, source, token))
                if len(kept) == size:
                    break
            assert len(kept) == size
            for r, (score, source, token) in enumerate(kept):
                new_rows[start + r] = rows[start + source] + [token]
                new_scores[start + r] = score
                current[start + r] = token
            done[g] = done[g] or groups[g].is_done(top[0][0], cur_len - prompt_len)
        rows, beam_scores = new_rows, new_scores
        steps += 1
        if all(done) or len(rows[0]) == prompt_len + max_new_tokens:
            break
    for g in range(num_beam_groups):
        if done[g]:
            continue
        for r in range(size):
            row = rows[g * size + r]
            groups[g].add(row[prompt_len:], beam_scores[g * size + r], len(row) - prompt_len)
    pool = [beam for group in groups for beam in group.beams]
    ranked = sorted(pool, key=lambda b: b[0])
    if len(ranked) > 1:
        # Equal scores are fine for equal sequences (an EOS first in several groups).
        assert ranked[-1][0] - ranked[-2][0] > MARGIN or ranked[-1][1] == ranked[-2][1], "near-tie for the top"
    score, tokens = ranked.pop()
    if len(tokens) < max_new_tokens:
        tokens = tokens + [eos]
    return {"tokens": tokens, "score": score, "steps": steps}


SETTINGS = [
    # The MAC reference's decoding (12 beams, 4 groups, penalty 10, early stopping).
    dict(name="reference", num_beams=12, num_beam_groups=4, diversity_penalty=10.0, length_penalty=1.0,
         early_stopping=True, max_new_tokens=8, pad=EOS),
    dict(name="reference_no_early_stopping", num_beams=12, num_beam_groups=4, diversity_penalty=10.0,
         length_penalty=1.0, early_stopping=False, max_new_tokens=8, pad=EOS),
    # A penalty of the logits' order, so that later groups trade it off against the log-probabilities.
    dict(name="mild_penalty", num_beams=6, num_beam_groups=3, diversity_penalty=0.5, length_penalty=0.5,
         early_stopping=True, max_new_tokens=7, pad=EOS),
    dict(name="mild_penalty_no_early_stopping", num_beams=6, num_beam_groups=3, diversity_penalty=0.5,
         length_penalty=2.0, early_stopping=False, max_new_tokens=7, pad=EOS),
    # One group: plain 4.36 beam search.
    dict(name="one_group", num_beams=4, num_beam_groups=1, diversity_penalty=0.0, length_penalty=1.0,
         early_stopping=True, max_new_tokens=6, pad=EOS),
    # Done groups emit a pad that is not the EOS: later groups are penalised on it.
    dict(name="pad_not_eos", num_beams=8, num_beam_groups=4, diversity_penalty=1.5, length_penalty=1.0,
         early_stopping=True, max_new_tokens=8, pad=2),
]
# [4, 8], [5, 14] and [7, 8]: early_stopping changes the reference setting's top sequence.
PROMPTS = [[3, 5, 7], [11], [4, 4, 9, 13, 2], [17, 6], [8, 19, 12], [5], [10, 3, 14, 15], [0, 18], [4, 8], [5, 14],
           [7, 8]]


def main():
    cases = []
    for setting in SETTINGS:
        for prompt in PROMPTS:
            args = {k: v for k, v in setting.items() if k != "name"}
            cases.append({"setting": setting["name"], "prompt": prompt, **args,
                          "expected": group_beam_search(prompt, **args)})
    by_key = {(c["setting"], tuple(c["prompt"])): c for c in cases}
    ends_early = sum(len(c["expected"]["tokens"]) < c["max_new_tokens"] for c in cases)
    stops_early = sum(c["expected"]["steps"] < c["max_new_tokens"] for c in cases)
    early_stopping_matters = sum(
        by_key[("reference", tuple(p))]["expected"]["tokens"] !=
        by_key[("reference_no_early_stopping", tuple(p))]["expected"]["tokens"] for p in PROMPTS)
    print(f"{len(cases)} cases; top sequence ends at an EOS before max_new_tokens: {ends_early}; "
          f"search stops before max_new_tokens: {stops_early}; early_stopping changes the reference "
          f"setting's top sequence: {early_stopping_matters} of {len(PROMPTS)} prompts")
    golden = {"vocab": VOCAB, "eos": EOS, "toy_logits": "h = 7; h = (31 h + token + 1) mod 1000003 over the "
              "sequence; a = (1000003 h + 7919 v + 12345) mod 1000033; logit[v] = (a^2 mod 1000033) / 200000, "
              "+ 2 for the EOS", "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "group_beam_goldens.json")
    with open(path, "w") as out:  # one case per line
        head = json.dumps({k: v for k, v in golden.items() if k != "cases"})[:-1]
        out.write(head + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")


if __name__ == "__main__":
    main()
