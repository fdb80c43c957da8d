"""Does reading a point's flipped claim beside it tell stated points from swapped or absent ones?

    .venv/bin/python bench/contrast_check.py [--set dev|design_dev] [--json out.json] [--rows saved.json]

The point check reads P(yes) for each credited point, but the 1.5B's level differs from claim to
claim, and it "barely tells swapped roles from right ones". A relative reading needs no level:
the same answer is also asked about the claim with its meaning flipped, built from the claim
alone (scoring/judge_data.py: an auxiliary negated, an antonym or two of the point's own key
terms swapped). An answer that states the claim should back it more than its flips; an answer
that swaps or negates it, or does not say it, gives the flips as much.

Each credited point of the dev set (bench/data/judge_dev/, for choosing designs; never the
headline) is read with its claim and each flip; the rules below are reported side by side at
the app's thresholds. `--rows` re-reports saved readings.

Measured 2026-12-08 on 2 cores (72 answers, 202 credited points, 199 with a flip; 8 min;
bench/results/contrast_check_dev.json). AUC stated vs absent: the claim's P(yes) 0.858, the
claim's minus its highest flip's 0.679. Rules ("max": withdraw when the highest flip reads at
least the claim's P(yes) minus the margin; "_band": only for points the check left unsure;
"negated": the negated flip alone):

| rule, margin | absent credited hit / partly | stated found (hit) |
|---|---|---|
| shipped (no flip read) | 1.6% / 16.6% | 82.1% (51.2%) |
| max 0.00 | 1.3% / 10.5% | 66.7% (42.9%) |
| max_band 0.00 | 1.6% / 10.5% | 75.0% (51.2%) |
| max_band 0.05 | 1.6% / 3.8% | 58.3% (51.2%) |
| negated_band 0.00 | 1.6% / 15.0% | 79.8% (51.2%) |

The 1.5B backs a flipped claim almost as much as the claim itself, when the answer states the
claim too: the flip's P(yes) is a median 82% (negated), 86% (antonym) and 91% (terms swapped) of
the claim's for stated points, against 92-94% for absent ones, and the flip alone separates
stated from absent nearly as well as the claim (AUC 0.79-0.84): the model reads topic, not
polarity. max_band 0.00 is where drop 0.35 already is on this set (10.2% / 75.0%,
point_check_prompts.py) at up to three more readings a point: no gain, not shipped.

What did separate the unsure readings (0.30 <= P(yes) < 0.50, where 51 of the 52 partial credits
for absent points come from) is the embedding similarity that credited the point: AUC 0.70 among
them, against 0.60 for P(yes). "floor X" keeps such a point as partly only when its similarity
is >= X, and reads nothing more (the rows carry the similarity since 2026-12-08):

| rule | absent credited hit / partly | stated found (hit) |
|---|---|---|
| floor 0.55 | 1.6% / 10.9% | 75.0% (51.2%) |
| floor 0.60 (shipped as verify.PointChecker's unsure_floor) | 1.6% / 6.1% | 73.8% (51.2%) |
| floor 0.65 | 1.6% / 2.9% | 70.2% (51.2%) |
| for comparison: drop 0.36, no floor | 1.6% / 9.6% | 72.6% (51.2%) |
| for comparison: drop 0.38, no floor | 1.6% / 6.1% | 69.0% (51.2%) |
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from judge_quality import CANON, DEV, load_rows, rates  # noqa: E402
from semeval_check import auc  # noqa: E402

SETS = {"dev": DEV, "design_dev": Path(__file__).resolve().parent / "data" / "design_dev"}


def flips(claim: str, keywords: tuple[str, ...]) -> dict[str, str]:
    from assistant.scoring.judge_data import negate, swap_antonym, swap_terms

    found = {"negated": negate(claim), "antonym": swap_antonym(claim, random.Random(claim)),
             "terms": swap_terms(claim, keywords)}
    return {kind: text for kind, text in found.items() if text and text != claim}


def read(set_name: str) -> dict:
    from assistant.config import load_settings
    from assistant.domain import PointStatus
    from assistant.scoring.answer import grade_text
    from assistant.services import Services

    services = Services(load_settings(point_check="on"))
    checker = services.point_checker
    if checker is None:
        sys.exit("the point check is not available (llama.cpp and the bundled 1.5B are needed)")
    totals = {"hit": 0, "partial": 0, "miss": 0}
    credited = []
    started = time.perf_counter()
    for row in load_rows(SETS[set_name]):
        question = services.bank.get(row["question"])
        score = grade_text(services.scorer, question, row["answer"])
        keywords = {p.id: p.keywords for p in question.rubric.points}  # type: ignore[union-attr]
        for point in score.points:
            if point.point_id not in row["labels"]:
                continue
            label = CANON[row["labels"][point.point_id]]
            totals[label] += 1
            if point.status is PointStatus.MISS:
                continue
            claim_p = checker.confirm(row["answer"], point.text)
            flipped = {kind: round(checker.confirm(row["answer"], text), 4)
                       for kind, text in flips(point.text, keywords[point.point_id]).items()}
            credited.append({"question": row["question"], "kind": row.get("kind", "?"), "point": point.point_id,
                             "label": label, "status": point.status.value, "claim": round(claim_p, 4), "flips": flipped,
                             "similarity": round(point.similarity, 4)})
        print(f"{len(credited)} credited points read, {time.perf_counter() - started:.0f} s", flush=True)
    return {"set": set_name, "totals": totals, "keep": checker.keep, "drop": checker.drop,
            "seconds": round(time.perf_counter() - started, 1), "rows": credited}


def decide(row: dict, keep: float, drop: float, rule: str, margin: float) -> str:
    """The status the check gives: the shipped thresholds, then the rule's contrast. "floor"
    (no flips read) keeps an unsure reading as partly only when the embedding similarity of the
    point is at least `margin` (what verify.PointChecker's unsure_floor does)."""
    p = row["claim"]
    status = row["status"] if p >= keep else "partial" if p >= drop else "miss"
    if rule == "floor":
        return "miss" if status == "partial" and p < keep and row["similarity"] < margin else status
    if rule == "shipped" or status == "miss":
        return status
    pool = row["flips"] if rule.startswith("max") else {k: v for k, v in row["flips"].items() if k == "negated"}
    if not pool:
        return status
    contrast = max(pool.values())
    if rule.endswith("band") and p >= keep:
        return status
    return "miss" if contrast >= p - margin else status


def report(saved: dict) -> dict:
    rows, totals, keep, drop = saved["rows"], saved["totals"], saved["keep"], saved["drop"]
    labels = np.array([r["label"] for r in rows])
    stated, absent = labels == "hit", labels == "miss"
    judged = stated | absent
    # The labelled points the embeddings never credited stay missed under every rule.
    uncredited = Counter({(label, "miss"): total - int(np.sum(labels == label)) for label, total in totals.items()})
    claim = np.array([r["claim"] for r in rows])
    contrast = np.array([max(r["flips"].values(), default=0.0) for r in rows])
    out: dict = {"credited": len(rows), "with_flips": int(sum(bool(r["flips"]) for r in rows)), "totals": totals,
                 "auc_claim": round(auc(stated[judged], claim[judged]), 3),
                 "auc_claim_minus_max_flip": round(auc(stated[judged], (claim - contrast)[judged]), 3), "rules": {}}
    floors = (0.55, 0.60, 0.65) if all("similarity" in r for r in rows) else ()
    for rule in ("shipped", "max", "max_band", "negated", "negated_band", "floor"):
        for margin in ((0.0,) if rule == "shipped" else floors if rule == "floor" else (0.0, 0.05, 0.10)):
            confusion = Counter((r["label"], decide(r, keep, drop, rule, margin)) for r in rows)
            out["rules"][f"{rule} {margin:.2f}"] = rates(confusion + uncredited)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--rows", type=Path, help="re-report saved readings")
    args = parser.parse_args()
    saved = json.loads(args.rows.read_text()) if args.rows else read(args.set)
    summary = report(saved)
    print(json.dumps({k: v for k, v in summary.items() if k != "rules"}))
    print(f"{'rule margin':<20} absent hit / partly   stated found (hit)")
    for name, r in summary["rules"].items():
        print(f"{name:<20} {r['absent_credited_hit']:.1%} / {r['absent_credited_partial']:.1%}"
              f"      {r['stated_found']:.1%} ({r['stated_hit']:.1%})")
    if args.json:
        args.json.write_text(json.dumps({**saved, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
