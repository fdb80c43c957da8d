"""SemEval-2013 2-way with the point check: does the 1.5B's reading carry to answers it never saw?

    .venv/bin/python bench/semeval_check.py [--per-split 300] [--json out.json]

bench/grading.py reports the embedding scorer on every row; the point check (scoring/verify.py)
reads about two rows a second on two cores, so this reads a seeded sample of each split. Per row:
the embedding similarity of the student answer to the reference answers (as bench/grading.py),
and P(yes) that the student answer states the best reference answer (PointChecker.confirm, the
prompt the app uses). Decision rules, weighted F1 on each test sample:
- embedding: similarity >= a threshold fitted on the corpus's train sample;
- check alone: P(yes) >= a threshold fitted on the train sample;
- as the app scores: credited by the embedding (its fitted threshold) and confirmed by the check
  at the app's own keep threshold (0.50, chosen on bench/data/judge_dev/; nothing fitted here);
- embedding and check, both thresholds fitted together on the train sample.
The shared copy is for evaluation only: only thresholds are fitted, on its train split alone.

Measured 2026-12-07 on 2 cores, --per-split 100 (so each F1 is within about +-0.05; 1.27 s a row;
bench/results/semeval_check_100.json). Weighted F1 on the samples:

| split | embedding | check alone | as the app | both fitted | AUC check / embedding |
|---|---|---|---|---|---|
| beetle unseen questions | 0.690 | 0.592 | 0.608 | 0.690 | 0.594 / 0.772 |
| sciEntsBank unseen questions | 0.578 | 0.709 | 0.570 | 0.709 | 0.826 / 0.551 |
| sciEntsBank unseen domains | 0.676 | 0.600 | 0.573 | 0.600 | 0.638 / 0.701 |

The check's reading does not carry over to these one-sentence school answers as a whole: it
separates far better on sciEntsBank's unseen questions and worse on the other two splits, and
the app's rule (embedding, then the check at keep 0.50) is below the embedding alone on all three.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from grading import load_semeval, semeval_similarities, weighted_f1  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.services import Services  # noqa: E402

SPLITS = {"beetle": ("train", "test-unseen-questions"),
          "sciEntsBank": ("train", "test-unseen-questions", "test-unseen-domains")}
GRID = np.round(np.arange(0.02, 1.0, 0.02), 2)


def sample(rows: list[dict], per_split: int) -> list[dict]:
    picked = []
    for corpus, splits in SPLITS.items():
        for split in splits:
            members = [r for r in rows if r["corpus"] == corpus and r["split"] == split]
            picked += random.Random(f"{corpus}/{split}").sample(members, min(per_split, len(members)))
    return picked


def fitted(truth: np.ndarray, score: np.ndarray) -> float:
    return float(max(GRID, key=lambda t: weighted_f1(truth, score >= t)))


def fitted_pair(truth: np.ndarray, similarity: np.ndarray, confirmed: np.ndarray) -> tuple[float, float]:
    return max(((a, b) for a in GRID for b in GRID),
               key=lambda ab: weighted_f1(truth, (similarity >= ab[0]) & (confirmed >= ab[1])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-split", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    services = Services(load_settings(point_check="on"))
    checker = services.point_checker
    if checker is None:
        sys.exit("the point check is not available (llama.cpp and the bundled 1.5B are needed)")
    rows = sample(load_semeval(), args.per_split)
    similarity = semeval_similarities(services, rows)
    start = time.perf_counter()
    confirmed = []
    for index, row in enumerate(rows, 1):
        confirmed.append(checker.confirm(row["student_answer"], row["reference_answer_best"]))
        if index % 100 == 0:
            print(f"{index}/{len(rows)} read, {(time.perf_counter() - start) / index:.2f} s a row", file=sys.stderr)
    confirmed_arr = np.array(confirmed)
    truth = np.array([r["label_2way"] == "correct" for r in rows])
    where = np.array([f"{r['corpus']}/{r['split']}" for r in rows])
    report: dict = {"rows": len(rows), "seconds_per_row": round((time.perf_counter() - start) / len(rows), 3),
                    "keep": checker.keep, "splits": {}}
    for corpus, splits in SPLITS.items():
        train = where == f"{corpus}/train"
        t_sim = fitted(truth[train], similarity[train])
        t_check = fitted(truth[train], confirmed_arr[train])
        t_pair = fitted_pair(truth[train], similarity[train], confirmed_arr[train])
        for split in splits[1:]:
            test = where == f"{corpus}/{split}"
            t, s, c = truth[test], similarity[test], confirmed_arr[test]
            report["splits"][f"{corpus}/{split}"] = {
                "answers": int(test.sum()),
                "embedding": {"threshold": t_sim, "weighted_f1": round(weighted_f1(t, s >= t_sim), 3)},
                "check": {"threshold": t_check, "weighted_f1": round(weighted_f1(t, c >= t_check), 3)},
                "as_the_app": {"thresholds": [t_sim, checker.keep],
                               "weighted_f1": round(weighted_f1(t, (s >= t_sim) & (c >= checker.keep)), 3)},
                "embedding_and_check": {"thresholds": list(t_pair),
                                        "weighted_f1": round(weighted_f1(t, (s >= t_pair[0]) & (c >= t_pair[1])), 3)},
                "auc_check": round(auc(t, c), 3), "auc_embedding": round(auc(t, s), 3),
            }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def auc(truth: np.ndarray, score: np.ndarray) -> float:
    positives, negatives = score[truth], score[~truth]
    if not len(positives) or not len(negatives):
        return float("nan")
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))


if __name__ == "__main__":
    main()
