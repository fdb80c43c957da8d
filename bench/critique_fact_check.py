"""Fact-check designs for critique sentences: chosen on the dev set, then read on the hand labels.

    .venv/bin/python bench/critique_fact_check.py [--set dev|hand_labels] [--json out.json]

Each sentence is read by the bundled 1.5B with the point check's entailment prompt
(scoring/verify.py): the premise is the question's model answer, rubric points and misconception
corrections, the hypothesis the sentence without its advice framing ("Explain that ...").

- plain: P(yes) of the sentence.
- contrast: P(yes) of the sentence minus the highest P(yes) of its flips (each set of its direction
  words turned round: "reduces" -> "increases", "higher" -> "lower"). The model says yes to most
  sentences on the topic; the idea was that this bias is shared by a sentence and its flip, so a
  reversed relation would read as less likely than its flip.

A sentence is dropped when plain < PLAIN_BELOW or contrast < CONTRAST_BELOW (chosen on --set dev).

Measured 2026-12-07 on 2 cores (not shipped: it does not generalise):

| set | right sentences dropped | wrong caught | AUC plain / contrast (where flipped) | s per reading |
|---|---|---|---|---|
| dev (bench/data/critique_facts_dev/, 180 helper-written sentences; thresholds chosen here) | 6/90 (7%) | reversed 23/30, swapped 7/30, wrong detail 9/30 | reversed 0.79 / 0.88, swapped 0.82, detail 0.86 | 1.10 |
| hand labels (265 sentences the 1.5B wrote, labelled by hand in bench/results/critique_hand_labels*.md) | 28/236 (12%) | 2/19 | 0.51 / 0.45 | 0.84 |

On the model's own sentences the reading does not separate right from wrong at all: the 1.5B finds
its own wrong sentences as likely as its right ones ("how increasing model complexity can reduce
variance" 0.81, its flips 0.74 and 0.66). Written wrong sentences are easier: they are wrong in ways
a helper chose. Results: bench/results/critique_fact_check_{dev,hand_labels}.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from itertools import combinations
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import yaml  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.domain import Question  # noqa: E402
from assistant.services import Services  # noqa: E402

# Direction words and their opposites; both ways round are added below.
_OPPOSITES = {
    "increase": "decrease", "increases": "decreases", "increased": "decreased", "increasing": "decreasing",
    "reduce": "increase", "reduces": "increases", "reduced": "increased", "reducing": "increasing",
    "higher": "lower", "high": "low", "larger": "smaller", "large": "small", "bigger": "smaller",
    "more": "less", "fewer": "more", "faster": "slower", "longer": "shorter", "stronger": "weaker",
    "easier": "harder", "better": "worse", "above": "below", "up": "down", "most": "least",
    "overestimate": "underestimate", "overestimates": "underestimates", "overestimating": "underestimating",
    "overfit": "underfit", "overfits": "underfits", "overfitting": "underfitting",
    "inflate": "deflate", "inflates": "deflates", "inflated": "deflated", "inflating": "deflating",
    "maximize": "minimize", "maximizes": "minimizes", "maximizing": "minimizing",
    "raise": "lower", "raises": "lowers", "raising": "lowering", "grows": "shrinks", "grow": "shrink",
    "rises": "falls", "rise": "fall", "positive": "negative", "before": "after", "earlier": "later",
    "wider": "narrower", "deeper": "shallower", "denser": "sparser", "dense": "sparse",
}
OPPOSITE = {**{b: a for a, b in _OPPOSITES.items()}, **_OPPOSITES}
_DIRECTION = re.compile(r"\b(" + "|".join(sorted(OPPOSITE, key=len, reverse=True)) + r")\b", re.I)
MAX_DIRECTION_WORDS = 3  # flips grow as 2^n; a sentence with more is read as it is

_ADVICE_FRAME = re.compile(
    r"^(?:(?:next time|then|also|first|finally|now),?\s+)?(?:(?:make sure|remember|try) (?:to|you)\s+)?"
    r"(?:say|explain|add|mention|point out|note|state|stress|clarify|describe|emphasi[sz]e)(?:\s+that)?\s+", re.I)


# The worked example's template: "After defining X, spend one sentence on Y": the claim is Y.
_SPEND_ON = re.compile(r"^.*?\b(?:spend|add) (?:one|a) (?:more )?sentence on\s+", re.I)


def claim_of(sentence: str) -> str:
    """The fact a coaching sentence states, without its advice framing ("Explain that ...",
    "After X, spend one sentence on ..."); a question stays a question (its presupposition is read)."""
    claim = _SPEND_ON.sub("", sentence.strip(), count=1)
    claim = _ADVICE_FRAME.sub("", claim, count=1)
    return claim[:1].upper() + claim[1:]


def bank_premise(question: Question) -> str:
    """What a critique of this question may state: its model answer, rubric points and the
    corrections of its misconceptions."""
    parts = [question.model_answer.strip()]
    if question.rubric is not None:
        parts += [p.text for p in question.rubric.points]
        parts += [m.correction for m in question.rubric.misconceptions]
    return " ".join(parts)


def _turned(word: str) -> str:
    opposite = OPPOSITE[word.lower()]
    return opposite.capitalize() if word[:1].isupper() else opposite


def single_flips(claim: str) -> list[str]:
    """The claim with each non-empty set of its direction words turned round (none when it has
    none, or more than MAX_DIRECTION_WORDS). Every set, not one word at a time: "deflates ...
    scaled back up" is made right only by turning both words, "increasing X reduces Y" by either."""
    found = list(_DIRECTION.finditer(claim))
    if not found or len(found) > MAX_DIRECTION_WORDS:
        return []
    flips = []
    for size in range(1, len(found) + 1):
        for chosen in combinations(found, size):
            text, shift = claim, 0
            for match in chosen:
                new = _turned(match.group(0))
                text = text[: match.start() + shift] + new + text[match.end() + shift :]
                shift += len(new) - len(match.group(0))
            flips.append(text)
    return flips


# Chosen on bench/data/critique_facts_dev/: a sentence is dropped
# when the model gives it P(yes) below 0.25, or reads one of its flips as more likely than it.
# There: 7% of right sentences dropped; 23 of 30 reversed, 7 of 30 swapped and 9 of 30 wrong
# details caught (P(yes) alone at 0.25: 1% dropped, 9 / 4 / 9 caught).
PLAIN_BELOW = 0.25
CONTRAST_BELOW = 0.0


DEV = REPO / "bench" / "data" / "critique_facts_dev"


def auc(supported: list[float], wrong: list[float]) -> float:
    """Chance that a supported sentence reads higher than a wrong one (ties count half)."""
    if not supported or not wrong:
        return float("nan")
    wins = sum((s > w) + 0.5 * (s == w) for s in supported for w in wrong)
    return wins / (len(supported) * len(wrong))


def load_items() -> list[dict]:
    items = []
    for path in sorted(DEV.glob("*.yaml")):
        items += yaml.safe_load(path.read_text())
    return items


HAND_LABELS = sorted((REPO / "bench" / "results").glob("critique_hand_labels*.md"))
_ROW = re.compile(r"^\| (.+?) \| (model|model \(retry\)) \| ([^|]+) \|")


def load_hand_labels() -> list[dict]:
    """The model's sentences in the critiques labelled by hand (bench/results/critique_hand_labels*.md,
    labelled by helpers who saw no fact check), once each: `wrong` for a wrong fact or a non-minor
    unsupported one, `minor` for a vague unsupported framing, `right` for everything else (a
    blame or credit label is about the answer, not the facts)."""
    seen, items = set(), []
    for path in HAND_LABELS:
        question = None
        for line in path.read_text().splitlines():
            heading = re.match(r"^### \d+\. (\S+)", line)
            if heading:
                question = heading.group(1)
                continue
            row = _ROW.match(line)
            if question is None or row is None or (question, row.group(1)) in seen:
                continue
            seen.add((question, row.group(1)))
            labels = row.group(3)
            wrong = "wrong fact" in labels or re.search(r"unsupported fact(?! \(minor\))", labels)
            kind = "wrong" if wrong else "minor" if "unsupported fact" in labels else "right"
            items.append({"question": question, "sentence": row.group(1).replace("\\|", "|"),
                          "label": "supported" if kind == "right" else "unsupported", "kind": kind})
    return items


def read(services: Services, items: list[dict], limit: int) -> tuple[list[dict], int, float]:
    checker = services.point_checker
    rows, readings, seconds = [], 0, 0.0
    questions = list(dict.fromkeys(item["question"] for item in items))
    for qid in questions[: limit or None]:
        premise = bank_premise(services.bank.get(qid))
        for item in (i for i in items if i["question"] == qid):
            claim = claim_of(item["sentence"])
            started = time.perf_counter()
            plain = checker.confirm(premise, claim)
            flips = {flip: checker.confirm(premise, flip) for flip in single_flips(claim)}
            seconds += time.perf_counter() - started
            readings += 1 + len(flips)
            best_flip = max(flips.values(), default=None)
            rows.append({**item, "claim": claim, "plain": round(plain, 4), "flips": {k: round(v, 4) for k, v in flips.items()},
                         "contrast": round(plain - best_flip, 4) if best_flip is not None else None})
            print(f"{item['label'][:5]} {item['kind'][:9]:9} plain {plain:.2f} "
                  f"flip {best_flip if best_flip is not None else float('nan'):.2f}  {claim[:90]}", flush=True)
    return rows, readings, seconds


def dropped(row: dict, plain_below: float, contrast_below: float) -> bool:
    return row["plain"] < plain_below or (row["contrast"] is not None and row["contrast"] < contrast_below)


def summary(rows: list[dict], plain_below: float, contrast_below: float) -> dict:
    supported = [r for r in rows if r["label"] == "supported"]
    report: dict = {"supported": len(supported),
                    "supported_dropped": sum(dropped(r, plain_below, contrast_below) for r in supported),
                    "supported_with_flip": sum(r["contrast"] is not None for r in supported), "by_kind": {}}
    for kind in dict.fromkeys(r["kind"] for r in rows if r["label"] != "supported"):
        wrong = [r for r in rows if r["kind"] == kind]
        report["by_kind"][kind] = {
            "n": len(wrong), "caught": sum(dropped(r, plain_below, contrast_below) for r in wrong),
            "with_flip": sum(r["contrast"] is not None for r in wrong),
            "auc_plain": round(auc([r["plain"] for r in supported], [r["plain"] for r in wrong]), 3),
            "auc_contrast_where_flipped": round(auc([r["contrast"] for r in supported if r["contrast"] is not None],
                                                    [r["contrast"] for r in wrong if r["contrast"] is not None]), 3),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("dev", "hand_labels"), default="dev")
    parser.add_argument("--plain-below", type=float, default=PLAIN_BELOW)
    parser.add_argument("--contrast-below", type=float, default=CONTRAST_BELOW)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="questions to read (0: all)")
    args = parser.parse_args()
    services = Services(load_settings(point_check="on"))
    if services.point_checker is None:
        sys.exit("the point check is not available (llama.cpp and the bundled 1.5B are needed)")
    items = load_items() if args.set == "dev" else load_hand_labels()
    rows, readings, seconds = read(services, items, args.limit)
    report = {"set": args.set, "readings": readings, "seconds_per_reading": round(seconds / max(readings, 1), 3),
              "thresholds": {"plain_below": args.plain_below, "contrast_below": args.contrast_below},
              **summary(rows, args.plain_below, args.contrast_below)}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps({**report, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
