"""How the point check reads the seven shared system-design points, by claim wording.

    .venv/bin/python bench/design_points.py [--set dev|false_credit] [--wordings text,not_no,...]
        [--json out.json] [--rows earlier.json]

The framework points ("Defines offline evaluation metrics such as ... and online business metrics
...") describe what a candidate does, and the 1.5B reads "entails" as "states the same facts": it
gave 0.26 to the metrics point for an answer that names its offline and online metrics. This
reads every framework point of every answer (whatever the embedding stage said) with each
wording below, and reports, per wording, the AUC of P(yes) between stated and absent points and
the rates at the app's thresholds, both for the point check alone and behind today's embedding
stage (a point the embedding stage does not credit is never read).

Sets: `dev` is bench/data/design_dev/ (design answers written for this, by helpers who saw only
the prompts and point texts) and the design answers of bench/data/judge_dev/: for choosing a wording; `false_credit` the design questions of the
evaluation-only set (bench/data/false_credit/ml_system_design.yaml), for the report.

Measured 2026-12-07 on 2 cores, dev set (51 answers, 357 steps: 127 stated, 45 partial, 185
absent; check keep 0.50 / drop 0.30; bench/results/design_points_dev.json holds text and not_no,
design_points_dev_variants.json variants; the says and facets rows come from the first run, whose
raw file the next run replaced), stated found (as hit) / partial credited / absent credited (as hit):

| wording, shortlist | AUC | stated | partial | absent |
|---|---|---|---|---|
| text (the point text, as the check reads it), every step read | 0.912 | 80.3% (43.3%) | 22.2% | 17.8% (0.5%) |
| text, keywords blended (until now) | | 46.5% (26.0%) | 2.2% | 3.8% (0.0%) |
| text, meaning alone | | 60.6% (35.4%) | 2.2% | 4.3% (0.0%) |
| text, the higher of the two (shipped) | | 67.7% (37.0%) | 2.2% | 5.4% (0.0%) |
| not_no (1 - P(no)), higher of the two | 0.911 | 70.1% (38.6%) | 6.7% | 5.9% (0.5%) |
| variants (highest P(yes) of text and paraphrases), higher of the two | 0.905 | 69.3% (37.8%) | 2.2% | 5.9% (0.0%) |
| says, every step read | 0.896 | 70.1% (22.0%) | 24.4% | 11.4% (0.5%) |
| facets, every step read | 0.840 | 70.1% (3.9%) | 48.9% | 15.7% (1.1%) |

The check separates stated from absent steps well (AUC 0.88-0.99 per step), but at a level of its
own per step: "metrics" reads 0.29 (median) when stated and at most 0.19 when absent, "data" 0.69
and up to 0.51. One pair of thresholds fits neither; re-worded claims ("says", "facets"), the
"partly" mass (not_no), the paraphrases read as claims (three readings a step;
bench/results/design_points_dev_variants.json) and, in a one-off script, a content-free reading
subtracted in log-odds (AUC 0.876-0.895) did not help. The shortlist was the larger loss: the
keyword blend never let 41% of the stated steps be read.
Without the check the blend stays (embeddings alone credit absent steps 14.1% with it, 25.9%
with the higher of the two).

Evaluation (`--set false_credit --wordings text`, the 15 design answers of the false-credit set:
14 stated, 18 partial, 73 absent steps; bench/results/design_points_false_credit.json): stated
found 57.1% (50.0% hit) with the keyword blend, 78.6% (57.1%) with the shipped shortlist; partial
steps credited 22.2% -> 38.9%; absent steps credited 0.0% either way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from judge_quality import CANON  # noqa: E402
from judge_quality import rates as confusion_rates  # noqa: E402
from semeval_check import auc  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.scoring import verify  # noqa: E402
from assistant.scoring.keywords import keyword_fraction  # noqa: E402
from assistant.scoring.spans import sentences_from_text, with_neighbour_pairs  # noqa: E402
from assistant.services import Services  # noqa: E402

SETS = {"dev": sorted((REPO / "bench/data/design_dev").glob("*.yaml")) + [REPO / "bench/data/judge_dev/ml_system_design.yaml"],
        "false_credit": [REPO / "bench/data/false_credit/ml_system_design.yaml"]}

# Claims about what the answer says, one per step, without "such as" lists.
SAYS = {
    "clarify-requirements": "The answer pins down the requirements before designing: the scale, the latency budget or the business trade-off.",
    "metrics": "The answer names the metrics used to evaluate the model offline and the business metrics tracked online.",
    "data-pipeline": "The answer says where the training labels come from and what the main features are.",
    "model-choice": "The answer starts from a simple baseline model and says which stronger model would follow.",
    "training": "The answer says how the model is trained: how the data is split, how imbalance is handled or how often it is retrained.",
    "serving": "The answer says how the model serves predictions in production, online or in batch, within the latency budget.",
    "monitoring": "The answer says what is monitored after launch, or how a new model is tested before full rollout.",
}

# Each step as two small claims; the point's reading is their mean (both: stated, one: partly).
FACETS = {
    "clarify-requirements": ("The answer states how large the system is or how fast it must respond.",
                             "The answer states what matters most to the business or which errors cost more."),
    "metrics": ("The answer names a metric for evaluating the model offline.",
                "The answer names a business or product metric measured online."),
    "data-pipeline": ("The answer says where the training labels come from.",
                      "The answer names the main input features of the model."),
    "model-choice": ("The answer starts with a simple baseline model.",
                     "The answer names a stronger model and says why it is worth it."),
    "training": ("The answer says how the training and validation data are split.",
                 "The answer says how often the model is retrained or how class imbalance is handled."),
    "serving": ("The answer says whether predictions are computed online or in batch.",
                "The answer says how predictions meet the latency budget, for example with caching or precomputation."),
    "monitoring": ("The answer says what is monitored after launch, such as drift or live performance.",
                   "The answer tests a new model with an A/B test before full rollout."),
}
WORDINGS = ("text", "not_no", "variants", "says", "facets")


def separation(stated: list[float], absent: list[float]) -> float:
    """AUC of P(yes) between stated and absent points (0.5: no better than chance)."""
    return auc(np.array([True] * len(stated) + [False] * len(absent)), np.array(stated + absent, dtype=float))


def load_entries(paths: list[Path]) -> list[dict]:
    entries = []
    for path in paths:
        entries += [e for e in yaml.safe_load(path.read_text()) if e["question"].startswith("sd-")]
    return entries


def verdicts(checker, answer: str, claim: str) -> dict[str, float]:
    probs = checker.model.first_word_probabilities(verify.build_messages(answer, claim), verify.VERDICTS)
    total = sum(probs.values()) or 1.0
    return {word: p / total for word, p in probs.items()}


def readings(checker, answer: str, step: str, point, wordings: tuple[str, ...]) -> dict[str, float]:
    """Per wording, the value the check's thresholds apply to: P(yes), or for "not_no" the point's
    text read as "not no" (yes or partly: a step covered with other examples than the point's), or
    for "variants" the highest P(yes) over its text and its paraphrases (spoken, concrete claims)."""
    out: dict[str, float] = {}
    text = point.text
    if {"text", "not_no"} & set(wordings):
        read = verdicts(checker, answer, text)
        out["text"], out["not_no"] = read["yes"], 1.0 - read["no"]
    if "variants" in wordings:
        out["variants"] = max(checker.confirm(answer, v) for v in point.variants)
    if "says" in wordings:
        out["says"] = checker.confirm(answer, SAYS[step])
    if "facets" in wordings:
        out["facets"] = float(np.mean([checker.confirm(answer, f) for f in FACETS[step]]))
    return {w: out[w] for w in wordings}


# The embedding stage's value for a step: cosine blended with keywords (the stage without the
# check), cosine alone, or the higher of the two (with the check: Thresholds.template_steps_on_meaning).
GATES = ("keywords", "meaning", "either")


def rates(rows: list[dict], wording: str, keep: float, drop: float, gate: str | None, partial: float) -> dict:
    """judge_quality.rates at the check's thresholds. gate None: every step is read; otherwise only
    steps whose embedding value (by that gate) reaches the partial threshold are, the rest stay missed."""
    def status(r: dict) -> str:
        if gate is not None and r[gate] < partial:
            return "miss"
        p = r[wording]
        return "hit" if p >= keep else "partial" if p >= drop else "miss"
    return confusion_rates(Counter((CANON[r["label"]], status(r)) for r in rows))


def embedding_alone(rows: list[dict], gate: str, hit: float, partial: float) -> dict:
    """judge_quality.rates of the embedding stage without the check: its thresholds on the gate's value."""
    return confusion_rates(Counter((CANON[r["label"]], "hit" if r[gate] >= hit else "partial" if r[gate] >= partial
                                    else "miss") for r in rows))


def embedding_values(scorer, point, spans, span_vectors) -> dict[str, float]:
    """The best span's value for a step by each of GATES (Thresholds.blend with and without the
    template rule; cosine alone)."""
    sims = scorer.span_similarities(point.variants, span_vectors)
    keyword_share = np.array([keyword_fraction(point.keywords, s.text) for s in spans])
    value = {on: float(replace(scorer.thresholds, template_steps_on_meaning=on).blend(point, sims, keyword_share).max())
             for on in (False, True)}
    return {"keywords": round(value[False], 4), "meaning": round(float(sims.max()), 4), "either": round(value[True], 4)}


def line(name: str, r: dict) -> str:
    absent = r["absent_credited_hit"] + r["absent_credited_partial"]
    return (f"{name:22s} {100 * r['stated_found']:5.1f}% ({100 * r['stated_hit']:5.1f}%)   {100 * r['partial_found']:5.1f}%   "
            f"{100 * absent:5.1f}% ({100 * r['absent_credited_hit']:4.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--wordings", default=",".join(WORDINGS), help=f"comma-separated, of {', '.join(WORDINGS)}")
    parser.add_argument("--rows", type=Path, help="report the rows of an earlier --json again instead of reading the set")
    args = parser.parse_args()
    services = Services(load_settings(point_check="on"))
    checker, scorer = services.point_checker, services.scorer
    wordings = tuple(w for w in args.wordings.split(",") if w)
    rows = json.loads(args.rows.read_text())["rows"] if args.rows else read_set(services, args.set, wordings)
    wordings = tuple(w for w in wordings if all(w in r for r in rows))
    report = summarise(rows, wordings, checker.keep, checker.drop, scorer.thresholds.hit, scorer.thresholds.partial)
    if args.json:
        args.json.write_text(json.dumps({"set": args.set, "rows": rows, **report}, indent=1))


def read_set(services: Services, name: str, wordings: tuple[str, ...]) -> list[dict]:
    checker, scorer = services.point_checker, services.scorer
    rows, start = [], time.perf_counter()
    for n, entry in enumerate(load_entries(SETS[name]), 1):
        question = services.bank.get(entry["question"])
        spans = with_neighbour_pairs(sentences_from_text(entry["answer"]))
        span_vectors = scorer.embedder.encode([s.text for s in spans])
        for point in question.rubric.points:
            if point.template is None:
                continue
            rows.append({"question": entry["question"], "kind": entry["kind"], "step": point.id,
                         "label": entry["labels"][point.id], **embedding_values(scorer, point, spans, span_vectors),
                         **{k: round(v, 4) for k, v in readings(checker, entry["answer"], point.id, point, wordings).items()}})
        print(f"{n:3d} {entry['question']:32s} {entry['kind']:14s} {time.perf_counter() - start:6.0f} s", flush=True)
    return rows


def summarise(rows: list[dict], wordings: tuple[str, ...], keep: float, drop: float, hit: float, partial: float) -> dict:
    report: dict = {"designs": {}}
    print(f"\n{len(rows)} framework points; check thresholds keep {keep} / drop {drop}; embedding partial {partial}")
    print("wording / gate         stated found (hit)  partial credited  absent credited (hit)")
    for wording in wordings:
        stated = [r[wording] for r in rows if r["label"] == "stated"]
        absent = [r[wording] for r in rows if r["label"] == "absent"]
        design = report["designs"][wording] = {"auc": round(separation(stated, absent), 3)}
        print(f"{wording}: AUC {design['auc']:.3f}")
        for gate in (None, *GATES):
            design[gate or "none"] = rates(rows, wording, keep, drop, gate, partial)
            print("  " + line(f"gate {gate or 'none'}", design[gate or "none"]))
    for gate in GATES:
        report[f"embedding_alone_{gate}"] = embedding_alone(rows, gate, hit, partial)
        print("  " + line(f"no check, {gate}", report[f"embedding_alone_{gate}"]))
    report["steps"] = {}
    for step in sorted({r["step"] for r in rows}):
        sub = [r for r in rows if r["step"] == step]
        report["steps"][step] = {w: round(separation([r[w] for r in sub if r["label"] == "stated"],
                                                     [r[w] for r in sub if r["label"] == "absent"]), 3) for w in wordings}
        shortlisted = {g: sum(r[g] >= partial for r in sub if r["label"] == "stated") for g in GATES}
        print(f"  {step:22s} stated {sum(r['label'] == 'stated' for r in sub):2d} (shortlisted: "
              + ", ".join(f"{g} {shortlisted[g]:2d}" for g in GATES) + f"), absent {sum(r['label'] == 'absent' for r in sub):2d}; AUC "
              + ", ".join(f"{w} {v:.2f}" for w, v in report["steps"][step].items()))
    return report


if __name__ == "__main__":
    main()
